"""Numbers for one time window, read from the store: what the overview and reports show.

Counts, category and district breakdowns, top points, a per-day (or per-hour) series
and the map layers (case markers, complaint heat). The store is the source of truth
here, not the search index, so a report for last month does not depend on the index.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.masking import mask_text
from index.models import Alert, Case, Post, PostTag

Period = Literal["daily", "weekly", "monthly"]
PERIOD_LABELS = {"daily": "日清", "weekly": "周结", "monthly": "月分析"}
# Heat points share a cell when they round to the same 3 decimals (≈ 100 m).
HEAT_DECIMALS = 3


def period_window(period: Period, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Local start (inclusive) and end (exclusive) of the day, ISO week or month of ``day``."""
    if period == "daily":
        first, last = day, day + timedelta(days=1)
    elif period == "weekly":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
    elif period == "monthly":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown report period {period!r} (use daily, weekly or monthly)")
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(last, time.min, tzinfo=tz)


@dataclass
class Digest:
    """Everything one window's page or report needs; plain data, ready for JSON."""

    start: datetime
    end: datetime
    totals: dict[str, int] = field(default_factory=dict)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_district: list[tuple[str, int]] = field(default_factory=list)
    top_points: list[dict[str, Any]] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    cases_by_status: dict[str, int] = field(default_factory=dict)


def build_digest(session: Session, start: datetime, end: datetime, tz: ZoneInfo, *,
                 interval: Literal["hour", "day"] = "day", top: int = 10) -> Digest:
    """Counts and breakdowns of posts, complaints, cases and alerts in [start, end)."""
    in_window = (Post.published_at >= start, Post.published_at < end)
    complaint = (*in_window, PostTag.is_complaint.is_(True))
    digest = Digest(start=start, end=end)
    digest.totals = {
        "posts": session.scalar(select(func.count(Post.id)).where(*in_window)) or 0,
        "complaints": session.scalar(select(func.count(Post.id)).join(PostTag).where(*complaint)) or 0,
        "cases": session.scalar(select(func.count(Case.id)).where(Case.created_at >= start,
                                                                    Case.created_at < end)) or 0,
        "alerts": session.scalar(select(func.count(Alert.id)).where(Alert.created_at >= start,
                                                                     Alert.created_at < end)) or 0,
        "closed": session.scalar(select(func.count(Case.id)).where(Case.closed_at >= start,
                                                                    Case.closed_at < end)) or 0,
    }
    for column, target in ((PostTag.level1, "by_category"), (PostTag.district, "by_district")):
        rows = session.execute(select(column, func.count()).join(Post, Post.id == PostTag.post_id)
                               .where(*complaint, column.is_not(None)).group_by(column)
                               .order_by(func.count().desc()).limit(top)).all()
        setattr(digest, target, [(str(name), int(n)) for name, n in rows])
    digest.top_points = top_points(session, start, end, limit=top)
    digest.series = _series(session, start, end, tz, interval)
    digest.cases_by_status = {status: int(n) for status, n in session.execute(
        select(Case.status, func.count()).where(Case.created_at < end).group_by(Case.status)).all()}
    return digest


def top_points(session: Session, start: datetime, end: datetime, *, limit: int = 10) -> list[dict[str, Any]]:
    """Places with the most complaints in the window, with their open cases."""
    rows = session.execute(
        select(PostTag.place_id, func.count(), func.max(PostTag.district), func.max(PostTag.street))
        .join(Post, Post.id == PostTag.post_id)
        .where(Post.published_at >= start, Post.published_at < end, PostTag.is_complaint.is_(True),
               PostTag.place_id.is_not(None))
        .group_by(PostTag.place_id).order_by(func.count().desc()).limit(limit)).all()
    points = []
    for place_id, count, district, street in rows:
        # JSON columns keep None as JSON null, so "IS NOT NULL" would not skip it: filter here.
        place = next((p for p in session.scalars(select(PostTag.place).where(PostTag.place_id == place_id)
                                                 .limit(20)) if p), {})
        open_cases = session.scalar(select(func.count(Case.id)).where(
            Case.place_id == place_id, Case.status.in_(("new", "dispatched", "in_progress", "reopened")))) or 0
        points.append({"place_id": place_id, "name": place.get("name") or place_id, "district": district,
                       "street": street, "complaints": int(count), "open_cases": int(open_cases)})
    return points


def _series(session: Session, start: datetime, end: datetime, tz: ZoneInfo,
            interval: Literal["hour", "day"]) -> list[dict[str, Any]]:
    """Posts and complaints per local hour or day, every bucket present (zeros too)."""
    rows = session.execute(select(Post.published_at, PostTag.is_complaint)
                           .outerjoin(PostTag, PostTag.post_id == Post.id)
                           .where(Post.published_at >= start, Post.published_at < end)).all()
    step = timedelta(hours=1) if interval == "hour" else timedelta(days=1)
    fmt = "%H:00" if interval == "hour" else "%m-%d"

    def bucket(moment: datetime) -> datetime:
        local = moment.astimezone(tz)
        return local.replace(minute=0, second=0, microsecond=0) if interval == "hour" else \
            datetime.combine(local.date(), time.min, tzinfo=tz)

    posts, complaints = Counter(), Counter()
    for published, is_complaint in rows:
        key = bucket(published)
        posts[key] += 1
        complaints[key] += 1 if is_complaint else 0
    out, cursor = [], bucket(start)
    while cursor < end:
        out.append({"label": cursor.strftime(fmt), "start": cursor.isoformat(),
                    "posts": posts.get(cursor, 0), "complaints": complaints.get(cursor, 0)})
        # Day steps in local time: Asia/Shanghai has no DST, but a deployment elsewhere might.
        cursor = bucket(cursor + step + timedelta(hours=1)) if interval == "day" else cursor + step
    return out


def map_layers(session: Session, start: datetime, end: datetime, *, unmasked: bool,
               limit: int = 500) -> dict[str, Any]:
    """Case markers (open ones and those first seen in the window) and complaint heat.

    Case titles quote residents, so they are masked for roles that see masked data.
    """
    active = ("new", "dispatched", "in_progress", "reopened")
    cases = session.scalars(select(Case).where(Case.lat.is_not(None), Case.lon.is_not(None),
                                               Case.status != "merged",
                                               (Case.status.in_(active)) | ((Case.first_seen >= start)
                                                                            & (Case.first_seen < end)))
                            .order_by(Case.last_seen.desc()).limit(limit))
    markers = [{"id": c.id, "name": (c.place or {}).get("name") or c.id,
                "title": c.title if unmasked else mask_text(c.title),
                "status": c.status, "priority": c.priority, "posts": c.counted_posts,
                "value": [round(c.lon, 5), round(c.lat, 5), c.counted_posts]} for c in cases]
    heat = Counter()
    for lat, lon in session.execute(select(PostTag.lat, PostTag.lon).join(Post, Post.id == PostTag.post_id)
                                    .where(Post.published_at >= start, Post.published_at < end,
                                           PostTag.is_complaint.is_(True), PostTag.lat.is_not(None),
                                           PostTag.lon.is_not(None))):
        heat[(round(lon, HEAT_DECIMALS), round(lat, HEAT_DECIMALS))] += 1
    return {"cases": markers, "heat": [[lon, lat, n] for (lon, lat), n in heat.most_common(2000)]}
