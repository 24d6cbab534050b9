"""Evidence and history: posts attached to cases as captured, counts, case events,
and the needs-location queue."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, String, case, cast, func, insert, select
from sqlalchemy.orm import Session

from index.models import Case, CaseEvent, CasePost, PlaceQuery, Post, PostTag


def record(session: Session, case: Case, action: str, *, actor: str, now: datetime,
           from_status: str | None = None, to_status: str | None = None, reason: str | None = None,
           data: dict | None = None) -> CaseEvent:
    """Append one history entry (who, what, when) to a case."""
    event = CaseEvent(case_id=case.id, at=now, actor=actor, action=action, from_status=from_status,
                      to_status=to_status, reason=reason, data=data or {})
    session.add(event)
    return event


class EventLog:
    """Case events of one batch, written with one multi-row INSERT.

    Through the ORM every event is its own INSERT (SQLite cannot hand back the new
    ids of a multi-row insert in order), and a batch writes a few per post.
    """

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, case: Case, action: str, *, actor: str, now: datetime, from_status: str | None = None,
            to_status: str | None = None, reason: str | None = None, data: dict | None = None) -> None:
        self.rows.append({"case_id": case.id, "at": now, "actor": actor, "action": action,
                          "from_status": from_status, "to_status": to_status, "reason": reason, "data": data or {}})

    def write(self, session: Session) -> None:
        """Insert the collected events (their cases must be flushed already)."""
        if self.rows:
            session.connection().execute(insert(CaseEvent.__table__), self.rows)
            self.rows = []


def attached_posts(session: Session, post_ids: Iterable[int]) -> set[int]:
    """The posts already evidence somewhere (an edit must not count twice)."""
    ids = sorted(set(post_ids))
    if not ids:
        return set()
    return set(session.scalars(select(CasePost.post_id).where(CasePost.post_id.in_(ids))))


def is_attached(session: Session, post_id: int) -> bool:
    """Whether one post is already evidence somewhere."""
    return bool(attached_posts(session, [post_id]))


def attach(session: Session, case: Case, post: Post, *, signature: str | None, counted: bool,
           now: datetime, events: EventLog) -> CasePost:
    """Keep a copy of the post as captured: it stays even if the original is deleted."""
    evidence = CasePost(case_id=case.id, post_id=post.id, source_id=post.source_id, kind=post.kind,
                        url=post.url, title=post.title or "", text=post.text or "", author_id=post.author_id,
                        author_name=post.author_name, published_at=post.published_at, added_at=now,
                        counted=counted, signature=signature)
    session.add(evidence)
    events.add(case, "post_added" if counted else "duplicate_added", actor="system", now=now,
               data={"post_id": post.id, "source_id": post.source_id, "counted": counted})
    return evidence


def recount_all(session: Session, cases: Iterable[Case]) -> None:
    """Posts, counted posts, distinct authors and sources, first and last seen, for
    many cases in one grouped read (the author identity as ``windows.author_key``)."""
    by_id = {c.id: c for c in cases}
    if not by_id:
        return
    author = case((CasePost.author_id.is_not(None), CasePost.source_id + "\x1f" + CasePost.author_id),
                  (CasePost.author_name.is_not(None), CasePost.source_id + "\x1fname\x1f" + CasePost.author_name),
                  else_="post\x1f" + cast(CasePost.post_id, String))
    rows = session.execute(
        select(CasePost.case_id, func.count(), func.sum(CasePost.counted.cast(Integer)),
               func.count(func.distinct(CasePost.source_id)), func.min(CasePost.published_at),
               func.max(CasePost.published_at), func.count(func.distinct(author)))
        .where(CasePost.case_id.in_(sorted(by_id))).group_by(CasePost.case_id))
    for case_id, posts, counted, sources, first, last, authors in rows:
        item = by_id[case_id]
        item.post_count, item.counted_posts, item.source_count = posts, int(counted or 0), sources
        item.author_count = authors
        if first is not None:
            item.first_seen, item.last_seen = first, last


def recount(session: Session, case: Case) -> None:
    """Recount one case (after a merge moved evidence)."""
    recount_all(session, [case])


def queued_posts(session: Session, post_ids: Iterable[int]) -> set[int]:
    """The posts with an open needs-location entry."""
    ids = sorted(set(post_ids))
    if not ids:
        return set()
    return set(session.scalars(select(PlaceQuery.post_id).where(PlaceQuery.post_id.in_(ids),
                                                               PlaceQuery.status == "open")))


def queue_for_location(session: Session, post: Post, tag: PostTag, *, now: datetime,
                       already_queued: bool | None = None) -> PlaceQuery | None:
    """Put a complaint without a usable place in the needs-location queue, once.

    ``already_queued`` comes from a batch's ``queued_posts``; None looks it up.
    """
    if already_queued is None:
        already_queued = bool(queued_posts(session, [post.id]))
    if already_queued:
        return None
    spans = [loc.get("text") for loc in (tag.locations or []) if isinstance(loc, dict) and not loc.get("resolved")]
    coarse = (tag.place or {}).get("name") if tag.place else None
    span = (spans[0] if spans else coarse) or None
    query = PlaceQuery(post_id=post.id, span=span[:100] if span else None, status="open", created_at=now)
    session.add(query)
    return query
