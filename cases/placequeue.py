"""The needs-location queue: staff place a complaint, the gazetteer learns the alias,
and the post then goes through matching like any other."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.engine import CaseEngine, CaseReport
from index.models import PlaceAlias, PlaceQuery, Post, PostTag

PLACE_FIELDS = ("district", "street", "community", "lat", "lon")


def open_queue(session: Session, *, limit: int = 100) -> list[PlaceQuery]:
    """The oldest open entries first."""
    return list(session.scalars(select(PlaceQuery).where(PlaceQuery.status == "open")
                                .order_by(PlaceQuery.id).limit(limit)))


def _open_entry(session: Session, query_id: int) -> PlaceQuery:
    entry = session.get(PlaceQuery, query_id)
    if entry is None:
        raise LookupError(f"no needs-location entry {query_id}")
    if entry.status != "open":
        raise ValueError(f"needs-location entry {query_id} is already {entry.status}")
    return entry


def resolve_queued(session: Session, engine: CaseEngine, query_id: int, place: dict[str, Any], *, actor: str,
                   now: datetime, learn_alias: bool = True, new_place: bool = False) -> CaseReport:
    """Give a queued complaint its place (a gazetteer row: id, name, type, district…).

    The unresolved mention becomes an alias of that place (``new_place`` stores the
    row itself, for a place the gazetteer lacks), then the post is matched.
    """
    if not place.get("id") or not place.get("name"):
        raise ValueError("place needs at least an id and a name")
    entry = _open_entry(session, query_id)
    post = session.get(Post, entry.post_id)
    tag = session.get(PostTag, entry.post_id)
    if post is None or tag is None:
        raise LookupError(f"post {entry.post_id} of entry {query_id} or its tags are gone")
    tag.place_id, tag.place = place["id"], dict(place)
    for field in PLACE_FIELDS:
        if place.get(field) is not None:
            setattr(tag, field, place[field])
    span = (entry.span or "").strip()
    if learn_alias and span and (span != place["name"] or new_place):
        session.add(PlaceAlias(alias=span[:100], place_id=place["id"], new_place=dict(place) if new_place else None,
                               created_at=now, created_by=actor, note=f"needs-location entry {query_id}"))
    entry.status, entry.resolved_at, entry.resolved_by, entry.place_id = "resolved", now, actor, place["id"]
    session.flush()
    return engine.process(session, [(post, tag)], now=now)


def dismiss_queued(session: Session, query_id: int, *, actor: str, now: datetime) -> PlaceQuery:
    """Drop an entry that cannot be placed (no location in it at all)."""
    entry = _open_entry(session, query_id)
    entry.status, entry.resolved_at, entry.resolved_by = "dismissed", now, actor
    return entry
