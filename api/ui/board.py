"""The case board (columns by status) and the case page's extras: related cases, ledger flags.

Which actions a card offers comes from the same two checks the server applies when a
form is posted: the lifecycle's allowed transitions and the role matrix. A button that
is not shown would be refused anyway.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.schemas.cases import CaseOut
from api.views import case_out
from cases.config import RuleConfig
from cases.ledgers import frequent_complainants, frequent_points
from cases.lifecycle import ACTIVE, TRANSITIONS
from cases.sla import STEP_OF_STATUS
from index.models import Case, CasePost

# The main flow, left to right, then the side exits (重新办理 waits for a new dispatch).
FLOW = ("new", "dispatched", "in_progress", "resolved", "closed")
SIDE = ("reopened", "rejected", "merged")
PRIORITIES = ("urgent", "high", "normal", "low")
MERGEABLE = ACTIVE


def allowed_actions(principal: Principal, status: str) -> list[str]:
    """Actions this caller may take on a case in ``status`` (transitions, then merge)."""
    actions = [name for name, (sources, _) in TRANSITIONS.items()
               if status in sources and principal.may_act(name)]
    if status in MERGEABLE and principal.may_act("merge"):
        actions.append("merge")
    return actions


@dataclass
class BoardFilters:
    """The board's query string: department, priority, district, overdue only."""

    department: str | None = None
    priority: str | None = None
    district: str | None = None
    overdue: bool = False

    def apply(self, query: Any, now: datetime) -> Any:
        for column, value in ((Case.department, self.department), (Case.priority, self.priority),
                              (Case.district, self.district)):
            if value:
                query = query.where(column == value)
        if self.overdue:
            query = query.where(Case.status.in_(tuple(STEP_OF_STATUS)), Case.due_at.is_not(None),
                                Case.due_at < now)
        return query


@dataclass
class Column:
    status: str
    total: int
    cards: list[dict[str, Any]] = field(default_factory=list)


def board_columns(session: Session, principal: Principal, filters: BoardFilters, *, now: datetime,
                  per_column: int = 60) -> list[Column]:
    """One column per status with the newest cards first; totals count all matches."""
    columns = []
    for status in FLOW + SIDE:
        base = filters.apply(select(Case).where(Case.status == status), now)
        total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
        order = Case.due_at.asc() if status in STEP_OF_STATUS else Case.updated_at.desc()
        rows = session.scalars(base.order_by(order, Case.id.desc()).limit(per_column))
        cards = [card(row, principal, now) for row in rows]
        columns.append(Column(status=status, total=total, cards=cards))
    return columns


def card(row: Case, principal: Principal, now: datetime) -> dict[str, Any]:
    """A case as a board card: the masked case, its actions, and whether it is overdue."""
    out = case_out(row, unmasked=principal.sees_unmasked)
    waiting = row.status in STEP_OF_STATUS and row.due_at is not None
    return {"case": out, "actions": allowed_actions(principal, row.status),
            "overdue": waiting and row.due_at < now, "due_iso": row.due_at.isoformat() if waiting else ""}


def filter_choices(session: Session) -> dict[str, list[str]]:
    """Departments and districts that occur on cases, for the filter menus."""
    def distinct(column: Any) -> list[str]:
        return [v for v in session.scalars(select(column).where(column.is_not(None)).distinct().order_by(column)) if v]
    return {"departments": distinct(Case.department), "districts": distinct(Case.district),
            "priorities": list(PRIORITIES)}


def related_cases(session: Session, case: Case, *, unmasked: bool, limit: int = 20) -> list[CaseOut]:
    """Other cases at the same point (same gazetteer place), newest first."""
    if not case.place_id:
        return []
    rows = session.scalars(select(Case).where(Case.place_id == case.place_id, Case.id != case.id)
                           .order_by(Case.first_seen.desc()).limit(limit))
    return [case_out(row, unmasked=unmasked) for row in rows]


def ledger_flags(session: Session, case: Case, *, complainant_rule: RuleConfig, point_rule: RuleConfig,
                 now: datetime) -> dict[str, Any]:
    """高频点位 if the case's place is on the points ledger; 高频诉求人 for evidence authors
    on the complainants ledger. Read live, with the rules' own windows and thresholds."""
    flags: dict[str, Any] = {"frequent_point": None, "complainants": []}
    if case.place_id:
        for entry in frequent_points(session, point_rule, now=now, limit=500):
            if entry["place_id"] == case.place_id:
                flags["frequent_point"] = {"cases": entry["cases"], "open": entry["open"]}
                break
    if not flags["frequent_point"] and (case.flags or {}).get("frequent_point"):
        flags["frequent_point"] = {"cases": None, "open": None}  # flagged when it fired, window since passed
    authors = {(row.source_id, row.author_id) for row in session.scalars(
        select(CasePost).where(CasePost.case_id == case.id, CasePost.author_id.is_not(None)))}
    if authors:
        for entry in frequent_complainants(session, complainant_rule, now=now, limit=500):
            if (entry["source_id"], entry["author_id"]) in authors:
                flags["complainants"].append({"source_id": entry["source_id"], "author_id": entry["author_id"],
                                              "author_name": entry["author_name"], "posts": entry["posts"],
                                              "label": entry["label"]})
    return flags
