"""待定位 page: complaints the tagger could not place; staff pick the gazetteer entry,
add a new place, or dismiss. The mention is learned as an alias, so the next post that
names the spot the same way resolves by itself."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import record
from api.deps import DbDep, RuntimeDep
from api.masking import mask_text
from api.routes.ui import Staff
from api.routes.ui_forms import check_csrf
from api.ui.choices import gazetteer_for
from api.ui.placing import NEW_PLACE_TYPES, PlacingError, existing_place, new_place, resolve_entry, suggestions
from api.ui.templating import render
from cases.placequeue import dismiss_queued, open_queue
from index.models import Post

router = APIRouter(include_in_schema=False)
EntryId = Annotated[int, Path(ge=1)]
TYPE_LABELS = {"compound": "小区", "poi": "地标", "road": "道路", "community": "社区", "intersection": "路口",
               "street": "街道", "district": "区县", "city": "市"}


def _label(gazetteer, place) -> str:
    chain = [p.name for p in reversed(gazetteer.ancestors(place.id)) if p.type != "city"]
    return " / ".join([*chain, place.name])


def _options(request: Request) -> dict[str, list[tuple[str, str]]]:
    """Menu entries labelled by their chain (区县 / 街道 / 社区 / 地点): every place but the
    city, and the areas a new place can sit under. Rebuilt when the gazetteer changes."""
    gazetteer = gazetteer_for(request)
    cached = getattr(request.app.state, "place_options", None)
    if cached is None or cached[0] != gazetteer.version:
        places = sorted(((p.id, _label(gazetteer, p), p.type) for p in gazetteer if p.type != "city"),
                        key=lambda o: o[1])
        options = {"places": [(i, f"{label}（{TYPE_LABELS.get(t, t)}）") for i, label, t in places],
                   "parents": [(i, label) for i, label, t in places if t in ("district", "street", "community")]}
        cached = request.app.state.place_options = (gazetteer.version, options)
    return cached[1]


@router.get("/places", response_class=HTMLResponse)
def queue_page(request: Request, db: DbDep, principal: Staff) -> Response:
    gazetteer = gazetteer_for(request)
    entries = []
    for entry in open_queue(db, limit=100):
        post = db.get(Post, entry.post_id)
        text = (post.text[:400] if post else "")
        title = post.title if post else ""
        if not principal.sees_unmasked:
            text, title = mask_text(text) or "", mask_text(title) or ""
        entries.append({"id": entry.id, "post_id": entry.post_id, "span": entry.span, "title": title,
                        "text": text, "created_at": entry.created_at, "source_id": post.source_id if post else "",
                        "suggestions": [(p.id, _label(gazetteer, p), TYPE_LABELS.get(p.type, p.type))
                                        for p in suggestions(gazetteer, entry.span)]})
    can_resolve = principal.can("place_resolve")
    return render(request, "places.html", {
        "entries": entries, "can_resolve": can_resolve,
        "options": _options(request) if can_resolve and entries else {"places": [], "parents": []},
        "types": [(t, TYPE_LABELS[t]) for t in NEW_PLACE_TYPES]})


def _guard(request: Request, principal: Staff, csrf_token: str) -> None:
    check_csrf(request, csrf_token)
    if not principal.can("place_resolve"):
        raise HTTPException(403, f"role '{principal.role}' may not resolve places")


def _refused(request: Request, message: str) -> Response:
    return render(request, "message.html", {"title": "未能定位", "message": message, "back": "/places"},
                  status_code=422)


@router.post("/ui/places/{entry_id}/resolve")
def resolve_form(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff, entry_id: EntryId,
                 place_id: Annotated[str, Form(max_length=64)] = "",
                 learn: Annotated[bool, Form()] = False,
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Give the post an existing gazetteer place; ``learn`` keeps the mention as its alias."""
    _guard(request, principal, csrf_token)
    gazetteer = gazetteer_for(request)
    try:
        place = existing_place(gazetteer, place_id.strip())
        result = resolve_entry(runtime, db, gazetteer, entry_id, place, actor=principal.name,
                               now=datetime.now(timezone.utc), learn_alias=learn)
    except ValueError as exc:
        db.rollback()
        return _refused(request, str(exc))
    record(db, principal, "place.resolve", {"entry_id": entry_id, "place_id": place["id"], "channel": "ui"})
    db.commit()
    return RedirectResponse(f"/places?done={result['post_id']}", status_code=303)


@router.post("/ui/places/{entry_id}/new")
def new_place_form(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff, entry_id: EntryId,
                   name: Annotated[str, Form(max_length=60)] = "",
                   type: Annotated[str, Form(max_length=20)] = "compound",
                   parent_id: Annotated[str, Form(max_length=64)] = "",
                   lat: Annotated[str, Form(max_length=20)] = "", lon: Annotated[str, Form(max_length=20)] = "",
                   csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Add a place the gazetteer lacks (under a district, street or community) and use it."""
    _guard(request, principal, csrf_token)
    gazetteer = gazetteer_for(request)
    try:
        try:
            lat_value = float(lat) if lat.strip() else None
            lon_value = float(lon) if lon.strip() else None
        except ValueError:
            raise PlacingError(f"lat/lon: {lat!r}, {lon!r} are not numbers") from None
        row, place = new_place(gazetteer, name=name, type=type, parent_id=parent_id.strip(),
                               lat=lat_value, lon=lon_value)
        result = resolve_entry(runtime, db, gazetteer, entry_id, row, actor=principal.name,
                               now=datetime.now(timezone.utc), learn_alias=True, added=place)
    except ValueError as exc:
        db.rollback()
        return _refused(request, str(exc))
    record(db, principal, "place.add", {"entry_id": entry_id, "place": row, "channel": "ui"})
    db.commit()
    return RedirectResponse(f"/places?done={result['post_id']}", status_code=303)


@router.post("/ui/places/{entry_id}/dismiss")
def dismiss_form(request: Request, db: DbDep, principal: Staff, entry_id: EntryId,
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    _guard(request, principal, csrf_token)
    try:
        dismiss_queued(db, entry_id, actor=principal.name, now=datetime.now(timezone.utc))
    except (LookupError, ValueError) as exc:
        db.rollback()
        return _refused(request, str(exc))
    record(db, principal, "place.dismiss", {"entry_id": entry_id, "channel": "ui"})
    db.commit()
    return RedirectResponse("/places", status_code=303)
