"""工单 pages: the case board (columns by status, filters, SLA countdowns, actions) and
one case (evidence timeline across sources, the point on the map, history, related cases,
ledger flags)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import DbDep, RuntimeDep
from api.masking import mask_fields
from api.routes.ui import Staff, page_url
from api.ui.board import (FLOW, SIDE, BoardFilters, allowed_actions, board_columns, filter_choices,
                          ledger_flags, related_cases)
from api.ui.choices import map_base
from api.ui.templating import render
from api.views import case_detail
from cases.ledgers import rule_of_kind
from index.models import Case

router = APIRouter(include_in_schema=False)
CaseId = Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]


@router.get("/cases", response_class=HTMLResponse)
def board_page(request: Request, db: DbDep, principal: Staff,
               department: Annotated[str | None, Query(max_length=100)] = None,
               priority: Annotated[str | None, Query(pattern="^(|urgent|high|normal|low)$")] = None,
               district: Annotated[str | None, Query(max_length=64)] = None,
               overdue: bool = False) -> Response:
    """The board: 待派单 → 已派单 → 处置中 → 已办结 → 已回访, then the side exits."""
    now = datetime.now(timezone.utc)
    filters = BoardFilters(department=department or None, priority=priority or None,
                           district=district or None, overdue=overdue)
    columns = board_columns(db, principal, filters, now=now)
    return render(request, "cases.html", {
        "flow": [c for c in columns if c.status in FLOW], "side": [c for c in columns if c.status in SIDE],
        "filters": filters, "choices": filter_choices(db), "back": page_url(request, "/cases"),
        "now_iso": now.isoformat()})


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, runtime: RuntimeDep, db: DbDep, principal: Staff, case_id: CaseId) -> Response:
    case = db.get(Case, case_id)
    if case is None:
        return render(request, "message.html", {"title": "未找到", "message": f"工单 {case_id} 不存在"},
                      status_code=404)
    unmasked = principal.sees_unmasked
    now = datetime.now(timezone.utc)
    rules = runtime.settings.effective_rules
    flags = ledger_flags(db, case, complainant_rule=rule_of_kind(rules, "frequent-complainant"),
                         point_rule=rule_of_kind(rules, "frequent-point"), now=now)
    if not unmasked:  # an author id can be the resident's phone number
        flags["complainants"] = [mask_fields(entry) for entry in flags["complainants"]]
    related = related_cases(db, case, unmasked=unmasked)
    base = map_base(request)
    point = None
    if case.lat is not None and case.lon is not None:
        point = {"name": (case.place or {}).get("name") or case.id, "value": [case.lon, case.lat, 1]}
    case_map = None
    if base is not None:
        case_map = {"base": base.as_json(), "layers": {
            "cases": [{"id": c.id, "name": c.title, "status": c.status, "priority": c.priority,
                       "value": [c.lon, c.lat, c.counted_posts]} for c in related if c.lat is not None],
            "heat": []}, "focus": point}
    detail = case_detail(case, unmasked=unmasked)
    sources = sorted({e.source_id for e in detail.evidence})
    return render(request, "case.html", {
        "detail": detail, "actions": allowed_actions(principal, case.status), "flags": flags,
        "related": related, "case_map": case_map, "sources": sources,
        "due_iso": case.due_at.isoformat() if case.due_at and case.status in
        ("new", "dispatched", "in_progress", "reopened") else ""})
