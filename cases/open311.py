"""Open311 GeoReport v2: a read-only view of cases for dispatch systems that speak it.

Field names follow the GeoReport v2 ``requests`` response; Open311 knows only the
statuses ``open`` and ``closed``, so the detailed status goes in ``status_notes``.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.lifecycle import STATUS_LABELS
from index.models import Case

CLOSED = ("resolved", "closed", "merged", "rejected")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def service_code(case: Case) -> str:
    """The category path, the closest thing to a service code the taxonomy has."""
    return "/".join(level for level in (case.level1, case.level2, case.level3) if level) or "未分类"


def case_to_open311(case: Case) -> dict[str, Any]:
    """One case as a GeoReport v2 service request."""
    place = case.place or {}
    notes = STATUS_LABELS.get(case.status, case.status)
    if case.merged_into:
        notes += f"（并入 {case.merged_into}）"
    parts: list[str] = []
    for part in (place.get("city"), case.district, case.street, place.get("name")):
        if part and part not in parts:
            parts.append(part)
    address = "".join(parts)
    return {
        "service_request_id": case.id,
        "status": "closed" if case.status in CLOSED else "open",
        "status_notes": notes,
        "service_name": case.level2 or case.level1 or "未分类",
        "service_code": service_code(case),
        "description": f"{case.title}（{case.post_count}条线索，{case.author_count}人反映）",
        "agency_responsible": case.department,
        "service_notice": "已主动发现" if (case.flags or {}).get("proactive") else None,
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.due_at),
        "address": address or None,
        "address_id": case.place_id,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": None,
    }


def open311_requests(session: Session, *, status: str | None = None, start: datetime | None = None,
                     end: datetime | None = None, service_code_filter: str | None = None,
                     limit: int = 1000) -> list[dict[str, Any]]:
    """GeoReport v2 ``GET requests``: filter by open/closed, creation time and code."""
    if status not in (None, "open", "closed"):
        raise ValueError(f"status must be 'open' or 'closed', not {status!r}")
    query = select(Case).where(Case.status != "merged").order_by(Case.created_at.desc()).limit(limit)
    if status == "open":
        query = query.where(Case.status.not_in(CLOSED))
    elif status == "closed":
        query = query.where(Case.status.in_(CLOSED))
    if start:
        query = query.where(Case.created_at >= start)
    if end:
        query = query.where(Case.created_at <= end)
    rows = [case_to_open311(case) for case in session.scalars(query)]
    if service_code_filter:
        rows = [row for row in rows if row["service_code"].startswith(service_code_filter)]
    return rows
