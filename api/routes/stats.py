"""Counts over time, top lists and the overview numbers behind the staff dashboard."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.audit import record
from api.deps import DbDep, Reader, RuntimeDep
from api.masking import mask_text
from api.schemas.search import FACET_FIELDS, ParamError, SearchParams
from api.schemas.posts import OverviewOut, TopOut, TrendOut, TrendPoint
from index.models import Alert, Case, Post, PostTag

router = APIRouter(prefix="/stats", tags=["stats"])


def _filters(runtime: RuntimeDep, params: SearchParams):
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    try:
        return params.check_query(runtime.settings.search), params.filters(tz)
    except ParamError as exc:
        raise HTTPException(422, str(exc)) from None


@router.get("/trend", response_model=TrendOut, summary="趋势（按小时/天计数）")
def trend(runtime: RuntimeDep, db: DbDep, principal: Reader, params: Annotated[SearchParams, Query()],
          interval: Literal["hour", "day"] = "day") -> TrendOut:
    query, filters = _filters(runtime, params)
    try:
        buckets = runtime.search.date_histogram(query, filters, interval)
    except ValueError as exc:
        raise HTTPException(422, f"q: {exc}") from None
    record(db, principal, "stats.trend", {"query": query, "interval": interval,
                                          "filters": filters.model_dump(mode="json", exclude_none=True)})
    db.commit()
    return TrendOut(interval=interval, total=sum(b.count for b in buckets),
                    buckets=[TrendPoint(start=b.start, count=b.count) for b in buckets])


@router.get("/top", response_model=TopOut, summary="热门分类、地点、作者")
def top(runtime: RuntimeDep, db: DbDep, principal: Reader, params: Annotated[SearchParams, Query()],
        fields: Annotated[str, Query(description="逗号分隔")] = "level1,level2,district,street,author_id",
        limit: Annotated[int, Query(ge=1, le=50)] = 10) -> TopOut:
    names = [name.strip() for name in fields.split(",") if name.strip()]
    bad = [name for name in names if name not in FACET_FIELDS]
    if bad or not names:
        raise HTTPException(422, f"fields: unknown field {bad[0] if bad else ''!r} (use {', '.join(FACET_FIELDS)})")
    query, filters = _filters(runtime, params)
    out = {}
    try:
        for name in dict.fromkeys(names):
            out[name] = [{"value": value if principal.sees_unmasked or name != "author_id" else mask_text(value),
                          "count": count} for value, count in runtime.search.terms(name, query, filters, limit)]
    except ValueError as exc:
        raise HTTPException(422, f"q: {exc}") from None
    record(db, principal, "stats.top", {"query": query, "fields": names,
                                        "filters": filters.model_dump(mode="json", exclude_none=True)})
    db.commit()
    return TopOut(top=out)


def period_starts(now: datetime, tz: ZoneInfo) -> dict[str, datetime]:
    """Start of today, this week (Monday) and this month, local time: 日清、周结、月分析."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), time.min, tzinfo=tz)
    return {"today": today, "week": today - timedelta(days=local.weekday()),
            "month": today.replace(day=1)}


def overview_counts(session: Session, tz: ZoneInfo, now: datetime | None = None) -> OverviewOut:
    """Posts, complaints, new cases and alerts since the start of each period."""
    now = now or datetime.now(timezone.utc)
    periods = {}
    for name, start in period_starts(now, tz).items():
        periods[name] = {
            "posts": session.scalar(select(func.count(Post.id)).where(Post.published_at >= start)) or 0,
            "complaints": session.scalar(select(func.count(Post.id)).join(PostTag).where(
                Post.published_at >= start, PostTag.is_complaint.is_(True))) or 0,
            "cases": session.scalar(select(func.count(Case.id)).where(Case.created_at >= start)) or 0,
            "alerts": session.scalar(select(func.count(Alert.id)).where(Alert.created_at >= start)) or 0,
        }
    by_status = dict(session.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    unacked = session.scalar(select(func.count(Alert.id)).where(Alert.acked_at.is_(None))) or 0
    return OverviewOut(periods=periods, cases_by_status={k: int(v) for k, v in by_status.items()},
                       unacked_alerts=unacked)


@router.get("/overview", response_model=OverviewOut, summary="概览：今日/本周/本月")
def overview(runtime: RuntimeDep, db: DbDep, principal: Reader) -> OverviewOut:
    return overview_counts(db, ZoneInfo(runtime.settings.crawl.timezone))
