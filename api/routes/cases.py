"""Cases: list and search, one case with its evidence timeline and history, and actions.

Actions go through cases.lifecycle so the API and the CLI change cases the same way;
an action that the case's status does not allow is a 409 with the lifecycle's message.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from sqlalchemy import func, or_, select

from api.audit import record
from api.deps import DbDep, PrincipalDep, Reader, RuntimeDep
from api.schemas.cases import AssignIn, CaseDetail, CasePage, MergeIn, TransitionIn
from api.views import case_detail, case_out
from cases import lifecycle
from index.models import Case, CasePost

router = APIRouter(prefix="/cases", tags=["cases"])
CaseId = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9-]+$")]
_SORTS = {"updated": Case.updated_at.desc(), "created": Case.created_at.desc(),
          "due": Case.due_at.asc(), "last_seen": Case.last_seen.desc()}


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@router.get("", response_model=CasePage, summary="工单列表")
def list_cases(
    db: DbDep, principal: Reader,
    status: Annotated[str | None, Query(description="逗号分隔: new,dispatched,…")] = None,
    priority: str | None = None, level1: str | None = None, level2: str | None = None,
    district: str | None = None, street: str | None = None, assignee: str | None = None,
    department: str | None = None,
    q: Annotated[str | None, Query(max_length=200, description="标题、编号或证据文本包含")] = None,
    sort: Literal["updated", "created", "due", "last_seen"] = "updated",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1, size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    query = select(Case)
    statuses = _csv(status)
    unknown = [s for s in statuses if s not in lifecycle.STATUS_LABELS]
    if unknown:
        raise HTTPException(422, f"status: unknown status {unknown[0]!r} "
                                 f"(known: {', '.join(lifecycle.STATUS_LABELS)})")
    if statuses:
        query = query.where(Case.status.in_(statuses))
    for column, value in ((Case.priority, priority), (Case.level1, level1), (Case.level2, level2),
                          (Case.district, district), (Case.street, street), (Case.assignee, assignee),
                          (Case.department, department)):
        if value:
            query = query.where(column == value)
    if q and q.strip():
        pattern = f"%{q.strip()}%"
        evidence = select(CasePost.case_id).where(or_(CasePost.text.like(pattern), CasePost.title.like(pattern)))
        query = query.where(or_(Case.title.like(pattern), Case.id.like(pattern), Case.id.in_(evidence)))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(_SORTS[sort], Case.id.desc()).offset((page - 1) * size).limit(size))
    return CasePage(total=total, page=page, size=size,
                    items=[case_out(row, unmasked=principal.sees_unmasked) for row in rows])


@router.get("/{case_id}", response_model=CaseDetail, summary="工单详情（证据时间线与处置记录）")
def get_case(db: DbDep, principal: Reader, case_id: CaseId) -> CaseDetail:
    case = db.get(Case, case_id)
    if case is None:
        raise HTTPException(404, f"case {case_id} not found")
    return case_detail(case, unmasked=principal.sees_unmasked)


def _act(db: DbDep, principal: PrincipalDep, case_id: str, action: str, detail: dict, apply) -> CaseDetail:
    """Check the role, apply the change, audit it, commit; map lifecycle errors to HTTP."""
    if not principal.may_act(action):
        raise HTTPException(403, f"role '{principal.role}' may not {action} cases")
    try:
        apply(datetime.now(timezone.utc))
    except lifecycle.CaseNotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except lifecycle.InvalidTransition as exc:
        raise HTTPException(409, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    record(db, principal, f"case.{action}", {"case_id": case_id, **detail})
    db.commit()
    case = db.get(Case, case_id)
    db.refresh(case)
    return case_detail(case, unmasked=principal.sees_unmasked)


@router.post("/{case_id}/transition", response_model=CaseDetail, summary="工单流转",
             responses={409: {"description": "not allowed from the current status"}})
def transition_case(runtime: RuntimeDep, db: DbDep, principal: PrincipalDep, case_id: CaseId,
                    body: TransitionIn) -> CaseDetail:
    settings = runtime.settings
    return _act(db, principal, case_id, body.action, body.model_dump(exclude_none=True),
                lambda now: lifecycle.transition(
                    db, case_id, body.action, actor=principal.name, now=now, sla=settings.sla,
                    webhooks=settings.webhooks, reason=body.reason, department=body.department,
                    assignee=body.assignee))


@router.post("/{case_id}/assign", response_model=CaseDetail, summary="指派工单")
def assign_case(db: DbDep, principal: PrincipalDep, case_id: CaseId, body: AssignIn) -> CaseDetail:
    return _act(db, principal, case_id, "assign", body.model_dump(exclude_none=True),
                lambda now: lifecycle.assign(db, case_id, body.assignee, actor=principal.name, now=now))


@router.post("/{case_id}/merge", response_model=CaseDetail, summary="合并工单",
             description="Merges this case into `into`; returns the surviving case.")
def merge_case(runtime: RuntimeDep, db: DbDep, principal: PrincipalDep, case_id: CaseId,
               body: MergeIn) -> CaseDetail:
    if body.into == case_id:
        raise HTTPException(422, "into: a case cannot be merged into itself")
    _act(db, principal, case_id, "merge", body.model_dump(exclude_none=True),
         lambda now: lifecycle.merge(db, case_id, body.into, actor=principal.name, now=now,
                                     reason=body.reason))
    survivor = db.get(Case, body.into)
    return case_detail(survivor, unmasked=principal.sees_unmasked)
