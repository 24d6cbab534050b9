"""The needs-location queue: complaints the tagger could not place, resolved by staff.

Resolving gives the post a gazetteer place (or a new place), teaches the gazetteer the
unresolved mention as an alias, runs the post through case matching, and refreshes
its search document, all through cases.placequeue.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.audit import record
from api.deps import DbDep, PlaceResolver, Reader, RuntimeDep
from api.masking import mask_text
from cases.placequeue import dismiss_queued, open_queue, resolve_queued
from index.models import CasePost, Post, PlaceQuery
from index.search.docs import to_search_doc

router = APIRouter(prefix="/places/queue", tags=["places"])


class ResolveIn(BaseModel):
    place_id: str | None = Field(default=None, max_length=64, description="an existing gazetteer place")
    new_place: dict[str, Any] | None = Field(default=None, description="a place the gazetteer lacks: "
                                             "id, name, type, district, street, community, lat, lon")
    learn_alias: bool = True


def _gazetteer(request: Request) -> Any:
    """The app's gazetteer, shared with the UI's needs-location page."""
    from api.ui.choices import gazetteer_for

    return gazetteer_for(request)


@router.get("", summary="待定位诉求")
def queue(db: DbDep, principal: Reader) -> list[dict[str, Any]]:
    out = []
    for entry in open_queue(db, limit=200):
        post = db.get(Post, entry.post_id)
        text = post.text[:500] if post else ""
        out.append({"id": entry.id, "post_id": entry.post_id, "span": entry.span, "created_at": entry.created_at,
                    "title": post.title if post else "", "text": text if principal.sees_unmasked else mask_text(text)})
    return out


@router.post("/{entry_id}/resolve", summary="指定地点并学习别名")
def resolve(request: Request, runtime: RuntimeDep, db: DbDep, principal: PlaceResolver,
            entry_id: Annotated[int, Path(ge=1)], body: ResolveIn) -> dict[str, Any]:
    if (body.place_id is None) == (body.new_place is None):
        raise HTTPException(422, "give exactly one of place_id (an existing place) or new_place")
    if body.place_id is not None:
        gazetteer = _gazetteer(request)
        if body.place_id not in gazetteer:
            raise HTTPException(422, f"place_id: {body.place_id!r} is not in the gazetteer")
        place = gazetteer.resolved(body.place_id).model_dump()
    else:
        place = dict(body.new_place or {})
    try:
        report = resolve_queued(db, runtime.cases, entry_id, place, actor=principal.name,
                                now=datetime.now(timezone.utc), learn_alias=body.learn_alias,
                                new_place=body.new_place is not None)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(409 if "already" in str(exc) else 422, str(exc)) from None
    record(db, principal, "place.resolve", {"entry_id": entry_id, "place_id": place.get("id")})
    entry = db.get(PlaceQuery, entry_id)
    post = db.get(Post, entry.post_id)
    case_id = db.scalar(select(CasePost.case_id).where(CasePost.post_id == post.id))
    doc = to_search_doc(post, post.tags, case_id)
    db.commit()
    runtime.search.upsert([doc])  # after the store commits: the store stays the source of truth
    runtime.search.commit()
    return {"entry_id": entry_id, "post_id": post.id, "place_id": place.get("id"), "case_id": case_id,
            "opened": list(report.opened), "joined": list(report.joined), "reopened": list(report.reopened),
            "alerts": list(report.alerts)}


@router.post("/{entry_id}/dismiss", summary="无法定位，移出队列")
def dismiss(db: DbDep, principal: PlaceResolver, entry_id: Annotated[int, Path(ge=1)]) -> dict[str, Any]:
    try:
        dismiss_queued(db, entry_id, actor=principal.name, now=datetime.now(timezone.utc))
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    record(db, principal, "place.dismiss", {"entry_id": entry_id})
    db.commit()
    return {"entry_id": entry_id, "status": "dismissed"}
