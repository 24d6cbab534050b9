"""Ledgers (高频诉求人, 高频点位), case KPIs, and the Open311 GeoReport v2 view of cases.

All numbers come from cases.ledgers / cases.kpi / cases.open311, so the API, the CLI
and the rules agree; this module only adds roles, masking and HTTP errors.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query

from api.deps import DbDep, Reader, RuntimeDep
from api.masking import mask_fields
from cases.kpi import compute_kpis
from cases.ledgers import frequent_complainants, frequent_points, rule_of_kind
from cases.open311 import case_to_open311, open311_requests
from index.models import Case

router = APIRouter(tags=["ledgers"])
open311_router = APIRouter(prefix="/open311/v2", tags=["open311"])


@router.get("/ledgers/complainants", summary="高频诉求人台账")
def complainants(runtime: RuntimeDep, db: DbDep, principal: Reader,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """Authors over the frequent-complainant rule's threshold, professional claimants first."""
    rule = rule_of_kind(runtime.settings.effective_rules, "frequent-complainant")
    rows = frequent_complainants(db, rule, now=datetime.now(timezone.utc), limit=limit)
    # An author id on some forums is the resident's phone number.
    return rows if principal.sees_unmasked else [mask_fields(row) for row in rows]


@router.get("/ledgers/points", summary="高频点位台账")
def points(runtime: RuntimeDep, db: DbDep, principal: Reader,
           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    rule = rule_of_kind(runtime.settings.effective_rules, "frequent-point")
    return frequent_points(db, rule, now=datetime.now(timezone.utc), limit=limit)


@router.get("/stats/kpi", tags=["stats"], summary="考核指标：提前发现时长、处置时效、办结/超期/重办率")
def kpi(runtime: RuntimeDep, db: DbDep, principal: Reader,
        days: Annotated[int, Query(ge=1, le=366)] = 30) -> dict[str, Any]:
    return compute_kpis(db, now=datetime.now(timezone.utc), days=days, tz_name=runtime.settings.crawl.timezone)


@open311_router.get("/requests.json", summary="Open311 GeoReport v2: service requests")
def requests_json(db: DbDep, principal: Reader, status: Literal["open", "closed"] | None = None,
                  start_date: datetime | None = None, end_date: datetime | None = None,
                  service_code: Annotated[str | None, Query(max_length=200)] = None,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> list[dict[str, Any]]:
    for name, value in (("start_date", start_date), ("end_date", end_date)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(422, f"{name}: give a time zone, e.g. 2025-06-02T00:00:00+08:00 (W3C format)")
    return open311_requests(db, status=status, start=start_date, end=end_date,
                            service_code_filter=service_code, limit=limit)


@open311_router.get("/requests/{case_id}.json", summary="Open311 GeoReport v2: one service request")
def request_json(db: DbDep, principal: Reader,
                 case_id: Annotated[str, Path(max_length=20, pattern=r"^[A-Za-z0-9-]+$")]) -> list[dict[str, Any]]:
    case = db.get(Case, case_id)
    if case is None:
        raise HTTPException(404, f"service request {case_id} not found")
    return [case_to_open311(case)]  # GeoReport v2 answers a single request as a list of one
