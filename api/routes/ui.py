"""Staff web UI: sign-in guard, the 舆情 search page, one post with its context, API docs.

Pages read through the same functions as the JSON API (search, views with masking,
thread context), so what a viewer sees in the browser is masked the same way. The
other pages live in ui_cases, ui_overview, ui_places and ui_forms.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from api.auth import Principal, authenticate
from api.deps import DbDep, RuntimeDep, principal_from_request
from api.routes.posts import audit_search, run_search
from api.schemas.posts import SearchOut
from api.schemas.search import ParamError, SearchParams
from api.thread_context import case_ids_for, thread_context
from api.ui.choices import category_options, place_tree
from api.ui.templating import render
from api.views import post_out, search_out
from index.models import Post, SavedSearch

router = APIRouter(include_in_schema=False)
PAGE_FACETS = "level1,level2,district,street,source_id"
# Facet field → the query parameter a click sets.
FACET_PARAM = {"level1": "level1", "level2": "level2", "district": "district", "street": "street",
               "source_id": "source"}
FACET_TITLES = {"level1": "一级分类", "level2": "二级分类", "district": "区县", "street": "街道",
                "source_id": "来源"}


def page_principal(request: Request) -> Principal:
    """The signed-in key; the demo key signs in by itself; otherwise off to /login."""
    # Forms posting here check their CSRF token before acting, so the cookie may count.
    principal = principal_from_request(request, cookie_for_writes=True)
    demo_key = request.app.state.demo_login_key
    if principal is None and demo_key:
        with request.app.state.runtime.store.session() as session:
            principal = authenticate(session, demo_key)
        if principal is not None:
            request.state.new_session_key = principal.key_id
    if principal is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, "sign in first", headers={"Location": "/login?" + urlencode({"next": target})})
    request.state.principal = principal
    return principal


Staff = Annotated[Principal, Depends(page_principal)]


def page_url(request: Request, path: str = "/", **changes: object) -> str:
    """This page's query string with some parameters changed (None drops one)."""
    params = {k: v for k, v in request.query_params.items() if v != ""}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return path + ("?" + urlencode(params) if params else "")


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    """The OpenAPI docs from vendored Swagger UI (no CDN, no inline script).

    Public like /openapi.json itself: the docs describe the API and expose no data.
    """
    return request.app.state.templates.TemplateResponse(request, "docs.html", {})


def saved_links(db: DbDep, principal: Principal) -> list[dict[str, object]]:
    """The caller's saved searches, each with the search-page URL that reruns it."""
    rows = db.scalars(select(SavedSearch).where(SavedSearch.owner == principal.name).order_by(SavedSearch.id))
    out = []
    for row in rows:
        params = {"q": row.query} if row.query else {}
        for key, value in (row.filters or {}).items():
            if value in (None, ""):
                continue
            name = "source" if key == "source_id" else key
            params[name] = str(value).lower() if isinstance(value, bool) else str(value)
        out.append({"id": row.id, "name": row.name, "alert": row.alert, "url": "/?" + urlencode(params)})
    return out


def page_params(request: Request) -> tuple[SearchParams, str | None]:
    """The search from the URL. A form without script sends empty fields too (since=,
    has_case=): empty means "not set". A bad value becomes a message on the page."""
    given = {k: v for k, v in request.query_params.items() if v.strip()}
    try:
        return SearchParams.model_validate(given), None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "query"
        safe = {k: v for k, v in given.items() if k in ("q",)}
        return SearchParams.model_validate(safe), f"{where}: {first['msg']}"


def _search(request: Request, runtime: RuntimeDep, db: DbDep, principal: Principal,
            params: SearchParams) -> tuple[SearchOut, dict[str, list[tuple[str, int, str, bool]]]]:
    """Run and audit the search; facet values become links that add that filter."""
    query, found = run_search(runtime, params)
    audit_search(db, principal, query, found.total, "ui")
    db.commit()
    result = search_out(found, page=query.page, size=query.size, unmasked=principal.sees_unmasked)
    links = {}
    for field, buckets in result.facets.items():
        chosen = request.query_params.get(FACET_PARAM[field])
        links[field] = [(b.value, b.count, page_url(request, **{FACET_PARAM[field]: b.value}, page=None),
                         b.value == chosen) for b in buckets]
    return result, links


@router.get("/", response_class=HTMLResponse)
def posts_page(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff) -> Response:
    """舆情: latest posts, or search results with highlights, facets, a trend and saved searches."""
    params, error = page_params(request)
    if not params.q.strip():
        params.sort = "time"  # no words to rank by: newest first is what staff expect to see
    params.facets = PAGE_FACETS
    result, facet_links = None, {}
    if error is None:
        try:
            result, facet_links = _search(request, runtime, db, principal, params)
        except ParamError as exc:
            error = str(exc)
    pages = {}
    if result is not None:
        if params.page > 1:
            pages["prev"] = page_url(request, page=params.page - 1)
        if params.page * result.size < result.total:
            pages["next"] = page_url(request, page=params.page + 1)
    trend_query = {k: v for k, v in request.query_params.items() if k not in ("page", "sort", "size") and v}
    return render(request, "posts.html", {
        "params": params, "result": result, "error": error, "facets": facet_links, "facet_titles": FACET_TITLES,
        "pages": pages, "sources": [(s.id, s.name or s.id) for s in runtime.settings.sources],
        "categories": category_options(request), "places": place_tree(request),
        "saved": saved_links(db, principal), "trend_query": urlencode(trend_query),
        "share_url": page_url(request, page=None), "has_query": bool(trend_query)})


@router.get("/posts/{post_id}", response_class=HTMLResponse)
def post_page(request: Request, db: DbDep, principal: Staff, post_id: Annotated[int, Path(ge=1)]) -> Response:
    post = db.get(Post, post_id)
    if post is None:
        return render(request, "message.html", {"title": "未找到", "message": f"帖子 {post_id} 不存在"},
                      status_code=404)
    context = thread_context(db, post, width=3)
    everyone = [post] + [p for p in (context.thread, context.parent) if p] + context.neighbours
    cases = case_ids_for(db, [p.id for p in everyone])
    unmasked = principal.sees_unmasked

    def view(item: Post | None):
        return post_out(item, unmasked=unmasked, case_ids=cases.get(item.id)) if item else None

    return render(request, "post.html", {"post": view(post), "thread": view(context.thread),
                                         "parent": view(context.parent),
                                         "neighbours": [view(p) for p in context.neighbours]})
