"""Evidence and history: posts attached to cases as captured, counts, case events,
and the needs-location queue."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Integer, func, select
from sqlalchemy.orm import Session

from cases.simhash import similarity
from index.models import Case, CaseEvent, CasePost, PlaceQuery, Post, PostTag, Source

ACTIVE_STATUSES = ("new", "dispatched", "in_progress", "reopened")


def record(session: Session, case: Case, action: str, *, actor: str, now: datetime,
           from_status: str | None = None, to_status: str | None = None, reason: str | None = None,
           data: dict | None = None) -> CaseEvent:
    """Append one history entry (who, what, when) to a case."""
    event = CaseEvent(case_id=case.id, at=now, actor=actor, action=action, from_status=from_status,
                      to_status=to_status, reason=reason, data=data or {})
    session.add(event)
    return event


def is_attached(session: Session, post_id: int) -> bool:
    """Whether a post is already evidence somewhere (an edit must not count twice)."""
    return session.scalar(select(CasePost.case_id).where(CasePost.post_id == post_id).limit(1)) is not None


def attach(session: Session, case: Case, post: Post, *, signature: str | None, counted: bool,
           now: datetime) -> CasePost:
    """Keep a copy of the post as captured: it stays even if the original is deleted."""
    evidence = CasePost(case_id=case.id, post_id=post.id, source_id=post.source_id, kind=post.kind,
                        url=post.url, title=post.title or "", text=post.text or "", author_id=post.author_id,
                        author_name=post.author_name, published_at=post.published_at, added_at=now,
                        counted=counted, signature=signature)
    session.add(evidence)
    record(session, case, "post_added" if counted else "duplicate_added", actor="system", now=now,
           data={"post_id": post.id, "source_id": post.source_id, "counted": counted})
    return evidence


def author_duplicate(session: Session, post: Post, signature: str | None, *, threshold: float,
                     window: timedelta, place_id: str | None = None) -> CasePost | None:
    """The author's own counted post this one nearly repeats, in an active case.

    Reposts and the same comment under several videos share one author and almost
    all their words. An author id is trusted across the sources of one platform kind
    (two Douyin accounts watched separately), not across platforms, whose ids may
    collide. The same words against a *different* place are not a repost but a new
    target (the professional claimant's template), so the place must agree.
    ix_posts_author (source, author) plus the window bound the look-up.
    """
    if not post.author_id or not signature:
        return None
    kind = session.scalar(select(Source.kind).where(Source.id == post.source_id))
    sources = select(Source.id).where(Source.kind == kind) if kind else [post.source_id]
    rows = session.scalars(
        select(CasePost).join(Post, Post.id == CasePost.post_id).join(Case, Case.id == CasePost.case_id)
        .where(Post.source_id.in_(sources), Post.author_id == post.author_id, Post.id != post.id,
               Post.published_at > post.published_at - window, Post.published_at <= post.published_at + window,
               CasePost.counted.is_(True), Case.status.in_(ACTIVE_STATUSES),
               *([Case.place_id == place_id] if place_id else [])))
    best, score = None, threshold
    for row in rows:
        value = similarity(signature, row.signature)
        if value >= score:
            best, score = row, value
    return best


def recount(session: Session, case: Case) -> None:
    """Posts, counted posts, distinct authors and sources, first and last seen."""
    row = session.execute(
        select(func.count(), func.sum(CasePost.counted.cast(Integer)), func.count(func.distinct(CasePost.source_id)),
               func.min(CasePost.published_at), func.max(CasePost.published_at))
        .where(CasePost.case_id == case.id)).one()
    authors = session.execute(
        select(CasePost.source_id, CasePost.author_id, CasePost.author_name, CasePost.post_id)
        .where(CasePost.case_id == case.id)).all()
    case.post_count, case.counted_posts, case.source_count = row[0], int(row[1] or 0), row[2]
    if row[3] is not None:
        case.first_seen, case.last_seen = row[3], row[4]
    case.author_count = len({(a.source_id, a.author_id) if a.author_id else
                             (a.source_id, a.author_name) if a.author_name else a.post_id for a in authors})


def queue_for_location(session: Session, post: Post, tag: PostTag, *, now: datetime) -> PlaceQuery | None:
    """Put a complaint without a usable place in the needs-location queue, once."""
    if session.scalar(select(PlaceQuery.id).where(PlaceQuery.post_id == post.id,
                                                  PlaceQuery.status == "open")) is not None:
        return None
    spans = [loc.get("text") for loc in (tag.locations or []) if isinstance(loc, dict) and not loc.get("resolved")]
    coarse = (tag.place or {}).get("name") if tag.place else None
    span = (spans[0] if spans else coarse) or None
    query = PlaceQuery(post_id=post.id, span=span[:100] if span else None, status="open", created_at=now)
    session.add(query)
    return query
