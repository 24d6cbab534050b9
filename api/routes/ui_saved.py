"""Saved searches from the search page: save the current query, delete one.

Both forms go through the JSON API's own functions (api.routes.saved), so a saved
search made in the browser is validated exactly like one made through the API.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import DbDep, RuntimeDep
from api.routes.saved import create_saved, delete_saved
from api.routes.ui import Staff
from api.routes.ui_forms import check_csrf
from api.schemas.posts import SavedSearchIn
from api.ui.templating import render

router = APIRouter(include_in_schema=False)
# Search-page parameters that are not filters of a subscription.
_NOT_FILTERS = {"q", "facets", "highlight", "sort", "page", "size"}


@router.post("/ui/saved")
def save_search(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff,
                name: Annotated[str, Form(max_length=100)] = "",
                search: Annotated[str, Form(max_length=4000)] = "",
                alert: Annotated[bool, Form()] = False,
                csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """``search`` is the search page's query string, exactly as the URL carries it."""
    check_csrf(request, csrf_token)
    if not principal.can("saved_search"):
        raise HTTPException(403, f"role '{principal.role}' may not save searches")
    pairs = [(k, v) for k, v in parse_qsl(search, keep_blank_values=False) if v.strip()]
    query = next((v for k, v in pairs if k == "q"), "")
    filters = {k: v for k, v in pairs if k not in _NOT_FILTERS}
    back = "/?" + urlencode(pairs) if pairs else "/"
    try:
        body = SavedSearchIn(name=name.strip() or (query or "未命名搜索")[:100], query=query,
                             filters=filters, alert=alert)
        create_saved(runtime, db, principal, body)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return render(request, "message.html", {"title": "未能保存搜索", "message": str(exc.detail),
                                                "back": back}, status_code=422)
    except ValueError as exc:  # pydantic: a name over 100 characters and the like
        return render(request, "message.html", {"title": "未能保存搜索", "message": str(exc).splitlines()[0],
                                                "back": back}, status_code=422)
    return RedirectResponse(back, status_code=303)


@router.post("/ui/saved/{saved_id}/delete")
def remove_saved(request: Request, db: DbDep, principal: Staff, saved_id: Annotated[int, Path(ge=1)],
                 csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    check_csrf(request, csrf_token)
    if not principal.can("saved_search"):
        raise HTTPException(403, f"role '{principal.role}' may not change saved searches")
    delete_saved(db, principal, saved_id)
    return RedirectResponse("/", status_code=303)
