"""Staff web UI pages: 舆情 (posts), 工单 (cases), 预警 (alerts), 概览 (overview).

Pages read through the same functions as the JSON API (search, views with masking,
thread context), so what a viewer sees in the browser is masked the same way.
"""
from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, select

from api.auth import Principal, authenticate
from api.deps import DbDep, RuntimeDep, principal_from_request
from api.routes.posts import audit_search, run_search
from api.routes.stats import overview_counts
from api.schemas.search import ParamError, SearchParams
from api.thread_context import case_ids_for, thread_context
from api.ui.templating import render
from api.views import alert_out, case_detail, case_out, post_out, search_out
from crawlers.health import source_overview
from index.models import Alert, Case, Post

router = APIRouter(include_in_schema=False)
CASE_TABS = ("new", "dispatched", "in_progress", "reopened", "resolved", "closed", "merged", "rejected")


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


def _url(request: Request, **changes: object) -> str:
    params = {k: v for k, v in request.query_params.items()}
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "/?" + urlencode(params)


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> Response:
    """The OpenAPI docs from vendored Swagger UI (no CDN, no inline script).

    Public like /openapi.json itself: the docs describe the API and expose no data.
    """
    return request.app.state.templates.TemplateResponse(request, "docs.html", {})


@router.get("/", response_class=HTMLResponse)
def posts_page(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff,
               params: Annotated[SearchParams, Query()]) -> Response:
    """舆情: latest posts, or search results with highlights and facets."""
    if not params.q.strip() and "sort" not in request.query_params:
        params.sort = "time"  # no query: newest first is what staff expect to see
    params.facets = "level1,district,source_id"
    error, result, facet_links = None, None, {}
    try:
        query, found = run_search(runtime, params)
        audit_search(db, principal, query, found.total, "ui")
        db.commit()
        result = search_out(found, page=query.page, size=query.size, unmasked=principal.sees_unmasked)
        facet_param = {"level1": "level1", "district": "district", "source_id": "source"}
        for field, buckets in result.facets.items():
            facet_links[field] = [(b.value, b.count, _url(request, **{facet_param[field]: b.value}, page=None))
                                  for b in buckets]
    except ParamError as exc:
        error = str(exc)
    pages = {}
    if result is not None:
        if params.page > 1:
            pages["prev"] = _url(request, page=params.page - 1)
        if params.page * result.size < result.total:
            pages["next"] = _url(request, page=params.page + 1)
    sources = [s.id for s in runtime.settings.sources]
    return render(request, "posts.html", {"params": params, "result": result, "error": error,
                                          "facets": facet_links, "pages": pages, "sources": sources,
                                          "clear_url": "/"})


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


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, db: DbDep, principal: Staff,
               status: Annotated[str, Query(pattern="^(all|new|dispatched|in_progress|reopened|resolved|"
                                                    "closed|merged|rejected)$")] = "new") -> Response:
    counts = dict(db.execute(select(Case.status, func.count()).group_by(Case.status)).all())
    query = select(Case).order_by(Case.updated_at.desc()).limit(200)
    if status != "all":
        query = query.where(Case.status == status)
    rows = [case_out(row, unmasked=principal.sees_unmasked) for row in db.scalars(query)]
    return render(request, "cases.html", {"status": status, "tabs": CASE_TABS, "counts": counts, "cases": rows})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, db: DbDep, principal: Staff,
              case_id: Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]) -> Response:
    from cases.lifecycle import TRANSITIONS

    case = db.get(Case, case_id)
    if case is None:
        return render(request, "message.html", {"title": "未找到", "message": f"工单 {case_id} 不存在"},
                      status_code=404)
    actions = [name for name, (sources, _) in TRANSITIONS.items()
               if case.status in sources and principal.may_act(name)]
    return render(request, "case.html", {"detail": case_detail(case, unmasked=principal.sees_unmasked),
                                         "actions": actions})


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: DbDep, principal: Staff) -> Response:
    rows = list(db.scalars(select(Alert).order_by(Alert.id.desc()).limit(100)))
    alerts = [alert_out(row, unmasked=principal.sees_unmasked) for row in rows]
    cursor = rows[0].id if rows else 0
    return render(request, "alerts.html", {"alerts": alerts, "cursor": cursor,
                                           "can_ack": principal.can("alert_ack")})


@router.get("/overview", response_class=HTMLResponse)
def overview_page(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff) -> Response:
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    counts = overview_counts(db, tz)
    sources = source_overview(runtime.store, runtime.settings.sources)
    try:
        trend = runtime.search.date_histogram("", None, "day")[-14:]
    except Exception:  # the overview still shows the store's numbers if the index is down
        trend = []
    peak = max((bucket.count for bucket in trend), default=0)
    return render(request, "overview.html", {"counts": counts, "sources": sources, "trend": trend,
                                             "peak": peak})
