"""Windowed, indexed reads the rules run on: cost bounded by the window, not history.

Every query here starts from an index prefix (a case id, a place id, an author, a
time range) and a time window, so a batch costs the same over 100k or 1M stored posts.
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.rules import WindowPost
from index.models import Alert, Case, CasePost, Post, PostTag


def author_key(source_id: str, author_id: str | None, author_name: str | None, post_id: int) -> str:
    """A source-qualified author identity.

    An anonymous post (a hotline call without a caller id) counts as its own author:
    separate calls are, in practice, separate people.
    """
    if author_id:
        return f"{source_id}:{author_id}"
    if author_name:
        return f"{source_id}:name:{author_name}"
    return f"post:{post_id}"


def _evidence_rows(session: Session, condition: object, start: datetime, end: datetime) -> list[WindowPost]:
    rows = session.execute(
        select(CasePost.post_id, CasePost.source_id, CasePost.author_id, CasePost.author_name,
               CasePost.published_at, CasePost.counted, CasePost.signature, CasePost.case_id, Case.place_id)
        .join(Case, Case.id == CasePost.case_id)
        .where(condition, CasePost.published_at > start, CasePost.published_at <= end))
    return [WindowPost(r.post_id, author_key(r.source_id, r.author_id, r.author_name, r.post_id),
                       r.published_at, r.counted, r.signature, r.place_id, r.case_id) for r in rows]


def case_posts(session: Session, case_id: str, start: datetime, end: datetime) -> list[WindowPost]:
    """Evidence of one case in (start, end] (primary-key prefix on case_posts)."""
    return _evidence_rows(session, CasePost.case_id == case_id, start, end)


def point_posts(session: Session, place_id: str, category: tuple[str, str | None] | None,
                start: datetime, end: datetime) -> list[WindowPost]:
    """Evidence of every case at one place (and category) active since ``start``.

    Cases come from ix_cases_point (place_id, level2, status); ``last_seen`` trims
    cases long gone quiet before their evidence is read.
    """
    cases = select(Case.id).where(Case.place_id == place_id, Case.last_seen > start)
    if category is not None:
        column, value = category
        cases = cases.where(getattr(Case, column) == value)
    return _evidence_rows(session, CasePost.case_id.in_(cases.scalar_subquery()), start, end)


def author_posts(session: Session, source_id: str, author_id: str, start: datetime,
                 end: datetime) -> list[WindowPost]:
    """One author's complaint posts in (start, end], through ix_posts_author.

    Posts still waiting for a place count too: a claimant is frequent whether or not
    every claim was located.
    """
    rows = session.execute(
        select(Post.id, Post.published_at, PostTag.place_id, CasePost.counted, CasePost.signature,
               CasePost.case_id)
        .join(PostTag, PostTag.post_id == Post.id)
        .outerjoin(CasePost, CasePost.post_id == Post.id)
        .where(Post.source_id == source_id, Post.author_id == author_id, PostTag.is_complaint.is_(True),
               Post.published_at > start, Post.published_at <= end))
    seen: dict[int, WindowPost] = {}
    for r in rows:
        counted = True if r.counted is None else bool(r.counted)
        # A post merged between cases appears once per row; keep one.
        seen.setdefault(r.id, WindowPost(r.id, f"{source_id}:{author_id}", r.published_at, counted,
                                         r.signature, r.place_id, r.case_id))
    return list(seen.values())


def district_posts(session: Session, column: str, category: str, district: str, start: datetime,
                   end: datetime) -> list[WindowPost]:
    """Complaint posts of one category in one district in (start, end], located or not
    (a range on ix_posts_published)."""
    rows = session.execute(
        select(Post.id, Post.source_id, Post.author_id, Post.author_name, Post.published_at, PostTag.place_id,
               CasePost.counted, CasePost.signature, CasePost.case_id)
        .join(PostTag, PostTag.post_id == Post.id).outerjoin(CasePost, CasePost.post_id == Post.id)
        .where(Post.published_at > start, Post.published_at <= end, PostTag.is_complaint.is_(True),
               getattr(PostTag, column) == category, PostTag.district == district))
    seen: dict[int, WindowPost] = {}
    for r in rows:
        seen.setdefault(r.id, WindowPost(r.id, author_key(r.source_id, r.author_id, r.author_name, r.id),
                                         r.published_at, True if r.counted is None else bool(r.counted),
                                         r.signature, r.place_id, r.case_id))
    return list(seen.values())


def place_case_times(session: Session, place_id: str, start: datetime, end: datetime) -> list[datetime]:
    """First-seen times of the cases at one place in (start, end] (ix_cases_point prefix)."""
    return list(session.scalars(select(Case.first_seen).where(
        Case.place_id == place_id, Case.first_seen > start, Case.first_seen <= end,
        Case.status != "merged")))


def daily_counts(session: Session, column: str, category: str, district: str, first: date, last: date,
                 tz: ZoneInfo) -> Counter[date]:
    """Complaint posts per local day for one category × district, days first..last.

    A range on ix_posts_published bounds the read to these days' posts.
    """
    start = datetime.combine(first, datetime.min.time(), tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tz)
    times = session.scalars(
        select(Post.published_at).join(PostTag, PostTag.post_id == Post.id)
        .where(Post.published_at >= start, Post.published_at < end, PostTag.is_complaint.is_(True),
               getattr(PostTag, column) == category, PostTag.district == district))
    return Counter(t.astimezone(tz).date() for t in times)


def window_key(prefix: str, event_time: datetime, window: timedelta) -> str:
    """The idempotent alert key of the window bucket holding ``event_time``."""
    return f"{prefix}:{int(event_time.timestamp() // window.total_seconds())}"


def last_fired(session: Session, prefix: str, event_time: datetime, window: timedelta) -> datetime | None:
    """Event time of an alert for ``prefix`` in this or a neighbouring window bucket.

    Exact lookups on the unique key index, portable across SQLite and PostgreSQL
    collations (a LIKE-prefix scan is not).
    """
    bucket = int(event_time.timestamp() // window.total_seconds())
    keys = [f"{prefix}:{b}" for b in (bucket - 1, bucket, bucket + 1)]
    times = list(session.scalars(select(Alert.event_time).where(Alert.key.in_(keys))))
    return min(times, key=lambda t: abs(t - event_time)) if times else None
