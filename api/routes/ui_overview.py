"""概览 (counts, breakdowns, KPI tiles, the jurisdiction map, sources' health), 预警 (the
live alert feed) and 报告 (daily/weekly/monthly reports: list, open, generate)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from api.deps import DbDep, RuntimeDep
from api.reports import list_reports, report_dir, write_report
from api.routes.stats import overview_counts
from api.routes.ui import Staff
from api.routes.ui_forms import check_csrf
from api.ui.choices import map_base
from api.ui.digest import build_digest, map_layers
from api.ui.templating import render
from api.views import alert_out
from cases.kpi import compute_kpis
from crawlers.health import source_overview
from index.models import Alert

router = APIRouter(include_in_schema=False)
OVERVIEW_DAYS = 30
ReportName = Annotated[str, Path(pattern=r"^(daily|weekly|monthly)-\d{4}-\d{2}-\d{2}\.(html|pdf)$")]


@router.get("/overview", response_class=HTMLResponse)
def overview_page(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff) -> Response:
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    now = datetime.now(timezone.utc)
    start = datetime.combine((now.astimezone(tz) - timedelta(days=OVERVIEW_DAYS - 1)).date(),
                             datetime.min.time(), tzinfo=tz)
    digest = build_digest(db, start, now, tz)
    kpis = compute_kpis(db, now=now, days=OVERVIEW_DAYS, tz_name=runtime.settings.crawl.timezone)
    base = map_base(request)
    charts = {"series": digest.series, "by_category": digest.by_category, "by_district": digest.by_district,
              "map": {"base": base.as_json(), "layers": map_layers(db, start, now,
                                                                   unmasked=principal.sees_unmasked)}
              if base is not None else None}
    return render(request, "overview.html", {
        "counts": overview_counts(db, tz, now), "digest": digest, "kpis": kpis, "charts": charts,
        "sources": source_overview(runtime.store, runtime.settings.sources), "days": OVERVIEW_DAYS,
        "reports": list_reports(runtime.settings.home)[:6]})


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, db: DbDep, principal: Staff) -> Response:
    rows = list(db.scalars(select(Alert).order_by(Alert.id.desc()).limit(100)))
    alerts = [alert_out(row, unmasked=principal.sees_unmasked) for row in rows]
    cursor = rows[0].id if rows else 0
    return render(request, "alerts.html", {"alerts": alerts, "cursor": cursor,
                                           "can_ack": principal.can("alert_ack")})


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, runtime: RuntimeDep, principal: Staff) -> Response:
    today = datetime.now(ZoneInfo(runtime.settings.crawl.timezone)).date()
    return render(request, "reports.html", {"reports": list_reports(runtime.settings.home),
                                            "today": today.isoformat()})


@router.get("/reports/{name}")
def report_file(runtime: RuntimeDep, principal: Staff, name: ReportName) -> Response:
    """A written report; the name pattern keeps the path inside the reports folder."""
    path = report_dir(runtime.settings.home) / name
    if not path.is_file():
        raise HTTPException(404, f"report {name} not found")
    media = "application/pdf" if name.endswith(".pdf") else "text/html; charset=utf-8"
    return FileResponse(path, media_type=media)


@router.post("/ui/reports")
def generate_report(request: Request, runtime: RuntimeDep, principal: Staff,
                    period: Annotated[Literal["daily", "weekly", "monthly"], Form()],
                    day: Annotated[date | None, Form()] = None,
                    csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Write a report now (HTML, and PDF when Chromium is there) and open it."""
    check_csrf(request, csrf_token)
    tz = ZoneInfo(runtime.settings.crawl.timezone)
    path = write_report(runtime, period, day or datetime.now(tz).date())
    return RedirectResponse(f"/reports/{path.name}", status_code=303)
