"""Windowed, indexed reads the rules run on: cost bounded by the window, not history.

Every query here starts from an index prefix (case ids, place ids, authors, a time
range) and a time window, and serves all the subjects of a batch at once, so a batch
costs a handful of statements whether the store holds 100k or 1M posts.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.rules import WindowPost
from index.models import Alert, Case, CasePost, Post, PostTag

T = TypeVar("T")
Subject = tuple[str, str | None]  # (place id, category or None)


def time_groups(items: Iterable[T], *, key: Callable[[T], datetime], span: timedelta) -> list[list[T]]:
    """Items in time order, cut into runs no longer than ``span``.

    Batched reads take one time range per run: a live batch is one run, a backfill
    reaching over months becomes several instead of one range covering everything.
    """
    groups: list[list[T]] = []
    for item in sorted(items, key=key):
        if groups and key(item) - key(groups[-1][0]) <= span:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


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


def _evidence(session: Session, condition: object, start: datetime, end: datetime, extra: tuple = ()) -> list:
    return session.execute(
        select(CasePost.post_id, CasePost.source_id, CasePost.author_id, CasePost.author_name,
               CasePost.published_at, CasePost.counted, CasePost.signature, CasePost.case_id, Case.place_id, *extra)
        .join(Case, Case.id == CasePost.case_id)
        .where(condition, CasePost.published_at > start, CasePost.published_at <= end)).all()


def _window_post(r: object) -> WindowPost:
    return WindowPost(r.post_id, author_key(r.source_id, r.author_id, r.author_name, r.post_id),
                      r.published_at, r.counted, r.signature, r.place_id, r.case_id)


def case_posts(session: Session, case_ids: Iterable[str], start: datetime,
               end: datetime) -> dict[str, list[WindowPost]]:
    """Evidence per case in (start, end] (ix_case_posts_case_time)."""
    found: dict[str, list[WindowPost]] = {}
    ids = sorted(set(case_ids))
    for r in _evidence(session, CasePost.case_id.in_(ids), start, end) if ids else []:
        found.setdefault(r.case_id, []).append(_window_post(r))
    return found


def point_posts(session: Session, places: Iterable[str], column: str | None, start: datetime,
                end: datetime) -> dict[Subject, list[WindowPost]]:
    """Evidence of every case at these places active since ``start``, per (place, category).

    With ``column`` None the category is not told apart (key (place, None)). Cases come
    from ix_cases_point; ``last_seen`` trims cases long gone quiet before their evidence
    (ix_case_posts_case_time) is read.
    """
    wanted = sorted(set(places))
    if not wanted:
        return {}
    cases = select(Case.id).where(Case.place_id.in_(wanted), Case.last_seen > start)
    extra = (getattr(Case, column),) if column else ()
    found: dict[Subject, list[WindowPost]] = {}
    for r in _evidence(session, CasePost.case_id.in_(cases.scalar_subquery()), start, end, extra):
        found.setdefault((r.place_id, r[-1] if column else None), []).append(_window_post(r))
    return found


def author_posts_many(session: Session, authors: Iterable[tuple[str, str]], start: datetime,
                      end: datetime) -> dict[tuple[str, str], list[WindowPost]]:
    """Complaint posts per (source, author) in (start, end], through ix_posts_author_time.

    Posts still waiting for a place count too: a claimant is frequent whether or not
    every claim was located.
    """
    wanted = set(authors)
    if not wanted:
        return {}
    rows = session.execute(
        select(Post.id, Post.source_id, Post.author_id, Post.published_at, PostTag.place_id, CasePost.counted,
               CasePost.signature, CasePost.case_id)
        .join(PostTag, PostTag.post_id == Post.id)
        .outerjoin(CasePost, CasePost.post_id == Post.id)
        .where(Post.source_id.in_(sorted({s for s, _ in wanted})), Post.author_id.in_(sorted({a for _, a in wanted})),
               PostTag.is_complaint.is_(True), Post.published_at > start, Post.published_at <= end))
    seen: dict[tuple[str, str], dict[int, WindowPost]] = {}
    for r in rows:
        pair = (r.source_id, r.author_id)
        if pair not in wanted:
            continue  # the IN lists cross every source with every author
        counted = True if r.counted is None else bool(r.counted)
        # A post merged between cases appears once per row; keep one.
        seen.setdefault(pair, {}).setdefault(r.id, WindowPost(r.id, f"{r.source_id}:{r.author_id}", r.published_at,
                                                              counted, r.signature, r.place_id, r.case_id))
    return {pair: list(posts.values()) for pair, posts in seen.items()}


def author_posts(session: Session, source_id: str, author_id: str, start: datetime,
                 end: datetime) -> list[WindowPost]:
    """One author's complaint posts in (start, end]."""
    return author_posts_many(session, [(source_id, author_id)], start, end).get((source_id, author_id), [])


def district_posts(session: Session, column: str, keys: Iterable[tuple[str, str]], start: datetime,
                   end: datetime) -> dict[tuple[str, str], list[WindowPost]]:
    """Complaint posts per (category, district) in (start, end], located or not.

    A range on ix_posts_published, filtered here rather than in SQL: with the tag
    columns in the WHERE clause SQLite prefers ix_tags_district_level2, which walks
    the category's whole history.
    """
    wanted = set(keys)
    if not wanted:
        return {}
    level = getattr(PostTag, column)
    rows = session.execute(
        select(Post.id, Post.source_id, Post.author_id, Post.author_name, Post.published_at, PostTag.place_id,
               level.label("category"), PostTag.district, CasePost.counted, CasePost.signature, CasePost.case_id)
        .join(PostTag, PostTag.post_id == Post.id).outerjoin(CasePost, CasePost.post_id == Post.id)
        .where(Post.published_at > start, Post.published_at <= end, PostTag.is_complaint.is_(True)))
    seen: dict[tuple[str, str], dict[int, WindowPost]] = {}
    for r in rows:
        if (r.category, r.district) in wanted:
            seen.setdefault((r.category, r.district), {}).setdefault(r.id, WindowPost(
                r.id, author_key(r.source_id, r.author_id, r.author_name, r.id), r.published_at,
                True if r.counted is None else bool(r.counted), r.signature, r.place_id, r.case_id))
    return {key: list(posts.values()) for key, posts in seen.items()}


def place_case_times(session: Session, places: Iterable[str], start: datetime,
                     end: datetime) -> dict[str, list[datetime]]:
    """First-seen times of the cases per place in (start, end] (ix_cases_place_first_seen)."""
    wanted = sorted(set(places))
    found: dict[str, list[datetime]] = {}
    if wanted:
        for place_id, first_seen in session.execute(select(Case.place_id, Case.first_seen).where(
                Case.place_id.in_(wanted), Case.first_seen > start, Case.first_seen <= end,
                Case.status != "merged")):
            found.setdefault(place_id, []).append(first_seen)
    return found


def window_key(prefix: str, event_time: datetime, window: timedelta) -> str:
    """The idempotent alert key of the window bucket holding ``event_time``."""
    return f"{prefix}:{int(event_time.timestamp() // window.total_seconds())}"


def neighbour_keys(prefix: str, event_time: datetime, window: timedelta) -> list[str]:
    """Keys of this and the neighbouring window buckets: where an earlier firing would be."""
    bucket = int(event_time.timestamp() // window.total_seconds())
    return [f"{prefix}:{b}" for b in (bucket - 1, bucket, bucket + 1)]


def fired_times(session: Session, keys: Iterable[str]) -> dict[str, datetime]:
    """Event time per existing alert key: exact lookups on the unique key index,
    portable across SQLite and PostgreSQL collations (a LIKE-prefix scan is not)."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    return dict(session.execute(select(Alert.key, Alert.event_time).where(Alert.key.in_(wanted))).all())
