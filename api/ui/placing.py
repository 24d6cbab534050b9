"""Resolving the needs-location queue from the UI, and teaching what staff decided.

``resolve_entry`` places the post (cases.placequeue), refreshes its search document, and
teaches the gazetteer the app keeps and, if it is loaded, the running tagger, so the
next post naming the same spot resolves by itself without a restart.
``teach_tagger`` is also what a tagger applies at start for every stored PlaceAlias.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.placequeue import resolve_queued
from index.models import CasePost, PlaceQuery, Post
from index.search.docs import to_search_doc
from nlp.places import Place

NEW_PLACE_TYPES = ("compound", "poi", "road", "community", "intersection")


class PlacingError(ValueError):
    """Staff input that cannot be used (unknown place, bad coordinates); one line."""


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)} or {text}


def suggestions(gazetteer: Any, span: str | None, *, limit: int = 8) -> list[Any]:
    """Gazetteer places most like the unresolved mention (shared character pairs)."""
    if not span:
        return []
    exact = list(gazetteer.lookup(span))
    wanted = _bigrams(span)
    scored = []
    for place in gazetteer:
        if place.type in ("city",) or place in exact:
            continue
        overlap = len(wanted & _bigrams(place.name))
        if overlap:
            scored.append((overlap / len(wanted | _bigrams(place.name)), place))
    scored.sort(key=lambda pair: -pair[0])
    return (exact + [place for _, place in scored])[:limit]


def existing_place(gazetteer: Any, place_id: str) -> dict[str, Any]:
    if place_id not in gazetteer:
        raise PlacingError(f"place_id: {place_id!r} is not in the gazetteer")
    return gazetteer.resolved(place_id).model_dump()


def new_place(gazetteer: Any, *, name: str, type: str, parent_id: str, lat: float | None,
              lon: float | None) -> tuple[dict[str, Any], Place]:
    """A place the gazetteer lacks, under ``parent_id``; without coordinates it takes its parent's."""
    name = name.strip()
    if not name or len(name) > 60:
        raise PlacingError("name: a new place needs a name of 1–60 characters")
    if type not in NEW_PLACE_TYPES:
        raise PlacingError(f"type: {type!r} is not one of {', '.join(NEW_PLACE_TYPES)}")
    if parent_id not in gazetteer:
        raise PlacingError(f"parent_id: {parent_id!r} is not in the gazetteer")
    if (lat is None) != (lon is None):
        raise PlacingError("lat/lon: give both or neither")
    if lat is None:
        lat, lon = gazetteer.coordinates(parent_id) or (None, None)
    # A stable id from parent and name: adding the same place twice is caught, not duplicated.
    place_id = "u" + hashlib.sha1(f"{parent_id}/{name}".encode()).hexdigest()[:10]
    if place_id in gazetteer:
        raise PlacingError(f"{name} already exists under this parent ({place_id}); pick it from the list")
    place = Place(id=place_id, name=name, type=type, parent_id=parent_id, lat=lat, lon=lon)
    try:
        place.validate()
    except ValueError as exc:
        raise PlacingError(str(exc)) from None
    chain = {p.type: p.name for p in gazetteer.ancestors(parent_id) + [gazetteer.place(parent_id)]}
    row = {"id": place_id, "name": name, "type": type, "parent_id": parent_id, "lat": lat, "lon": lon,
           "city": chain.get("city"), "district": chain.get("district"), "street": chain.get("street"),
           "community": chain.get("community")}
    return row, place


def teach_tagger(tagger: Any, alias: str, place_id: str, new_place_row: dict[str, Any] | None) -> None:
    """Apply one learned alias to a tagger: add the new place first, then the alias."""
    gazetteer = tagger.gazetteer
    if new_place_row and place_id not in gazetteer:
        gazetteer.add_place(Place(id=place_id, name=new_place_row["name"], type=new_place_row["type"],
                                  parent_id=new_place_row.get("parent_id"), lat=new_place_row.get("lat"),
                                  lon=new_place_row.get("lon")))
        tagger.learn_alias(place_id, new_place_row["name"])  # the segmenter learns the name as a word
    if place_id in gazetteer and len(alias.strip()) >= 2:
        tagger.learn_alias(place_id, alias)


def resolve_entry(runtime: Any, session: Session, gazetteer: Any, entry_id: int, place: dict[str, Any], *,
                  actor: str, now: datetime, learn_alias: bool, added: Place | None = None) -> dict[str, Any]:
    """Place a queued post, commit, re-index it and teach the gazetteer and live tagger."""
    entry = session.get(PlaceQuery, entry_id)
    span = (entry.span or "").strip() if entry else ""
    try:
        report = resolve_queued(session, runtime.cases, entry_id, place, actor=actor, now=now,
                                learn_alias=learn_alias, new_place=added is not None)
    except LookupError as exc:
        raise PlacingError(str(exc)) from None
    post = session.get(Post, entry.post_id)
    case_id = session.scalar(select(CasePost.case_id).where(CasePost.post_id == post.id))
    doc = to_search_doc(post, post.tags, case_id)
    session.commit()
    runtime.search.upsert([doc])  # after the store commits: the store stays the source of truth
    runtime.search.commit()
    if added is not None and added.id not in gazetteer:
        gazetteer.add_place(added)
    if learn_alias and span and len(span) >= 2 and place["id"] in gazetteer:
        gazetteer.add_alias(place["id"], span)
    if "tagger" in runtime.__dict__:  # loaded: it learns now, not at the next restart
        teach_tagger(runtime.tagger, span if learn_alias else "", place["id"],
                     place if added is not None else None)
    return {"post_id": post.id, "case_id": case_id, "opened": list(report.opened), "joined": list(report.joined)}
