"""The FastAPI application: ``create_app(runtime)`` wires routers, auth, metrics and the UI.

Nothing is global: the runtime, the session signer, the metrics registry and the
service's hooks (``scheduler``, ``reload``, ``demo_login_key``) live on ``app.state``,
which the service sets after creating the app.
"""
from __future__ import annotations

import time
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.routes import (admin, alerts, cases, ledgers, metrics, places, posts, saved, sources, stats, ui,
                        ui_cases, ui_forms, ui_overview, ui_places, ui_saved)
from api.runtime import Runtime
from api.ui.session import WebSessions, load_or_create_secret
from api.ui.templating import make_templates

STATIC_DIR = Path(__file__).resolve().parent / "ui" / "static"
API_PREFIX = "/api/v1"

# Strict by design: post text is hostile input, so no inline script may ever run.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
# Swagger UI sets inline style attributes; its scripts are still only our own files.
DOCS_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# Reports are self-contained files (inline style and SVG) that run no script at all.
REPORT_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'")


def validation_message(exc: RequestValidationError) -> str:
    """One line naming the first bad parameter, e.g. "query parameter 'size': …"."""
    errors = exc.errors()
    if not errors:
        return "invalid request"
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ())]
    where = {"query": "query parameter", "path": "path parameter", "body": "body field",
             "header": "header"}.get(loc[0] if loc else "", "parameter")
    name = ".".join(loc[1:]) or (loc[0] if loc else "request")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where} '{name}': {first.get('msg', 'invalid')}{more}"


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _unprocessable(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": validation_message(exc), "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.middleware("http")
    async def _headers_and_metrics(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        path = request.url.path
        response.headers["Content-Security-Policy"] = (
            DOCS_CSP if path == "/docs" else REPORT_CSP if path.startswith("/reports/") else CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        request.app.state.http_metrics.observe(request, response.status_code, time.perf_counter() - started)
        return response


def create_app(runtime: Runtime) -> FastAPI:
    """Build the API + UI app around one runtime."""
    app = FastAPI(title="民声 minsheng API", version="1", docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="网络舆情监测：帖子搜索、工单、预警、数据源。所有接口需 `Authorization: Bearer <key>`，"
                              "`/healthz` 除外。")
    settings = runtime.settings
    app.state.runtime = runtime
    app.state.scheduler = None       # set by the service (api/service.py)
    app.state.reload = None          # set by the service
    app.state.demo_login_key = None  # set by `minsheng demo`
    app.state.web_sessions = WebSessions(load_or_create_secret(settings.api.session_secret, settings.home))
    app.state.metrics_registry, app.state.http_metrics = metrics.make_registry(runtime.store, API_PREFIX)
    app.state.templates = make_templates()
    _install_handlers(app)

    api = APIRouter(prefix=API_PREFIX)
    for module in (posts, saved, stats, cases, alerts, ledgers, places, sources, admin):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(ledgers.open311_router)
    app.include_router(metrics.router)
    for page in (ui_forms, ui_saved, ui_places, ui_overview, ui_cases, ui):
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/healthz", tags=["ops"], summary="存活检查（无需密钥）")
    def healthz() -> dict[str, object]:
        from sqlalchemy import text

        checks: dict[str, object] = {}
        try:
            with runtime.store.session() as session:
                session.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, don't crash: this is what a probe reads
            checks["database"] = f"error: {type(exc).__name__}"
        status = "ok" if checks["database"] == "ok" else "degraded"
        return {"status": status, "checks": checks}

    return app
