"""The case lifecycle: 待派单 → 已派单 → 处置中 → 已办结 → 已回访, with side exits.

Every change writes a CaseEvent (who, what, when); refused changes raise
``InvalidTransition``, which the API answers with 409.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cases.config import SlaConfig, WebhookConfig
from cases.evidence import record, recount
from cases.outbox import raise_alert
from cases.sla import STEP_LABELS, STEP_OF_STATUS, due_for
from index.models import Alert, Case, CasePost

STATUS_LABELS = {"new": "待派单", "dispatched": "已派单", "in_progress": "处置中", "resolved": "已办结",
                 "closed": "已回访", "reopened": "重新办理", "merged": "已合并", "rejected": "已驳回"}
ACTION_LABELS = {"dispatch": "派单", "accept": "接单处置", "resolve": "办结", "close": "回访结案",
                 "reopen": "重新办理", "merge": "合并", "reject": "驳回", "assign": "指派"}
ACTIVE = frozenset({"new", "dispatched", "in_progress", "reopened"})
# action → (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "dispatch": (frozenset({"new", "reopened"}), "dispatched"),
    "accept": (frozenset({"dispatched"}), "in_progress"),
    "resolve": (frozenset({"in_progress"}), "resolved"),
    "close": (frozenset({"resolved"}), "closed"),
    "reopen": (frozenset({"resolved", "closed", "rejected"}), "reopened"),
    "reject": (frozenset({"new", "reopened", "dispatched"}), "rejected"),
}


class InvalidTransition(Exception):
    """A lifecycle action not allowed from the case's current status (HTTP 409)."""

    def __init__(self, case_id: str, status: str, action: str, detail: str = "") -> None:
        self.case_id, self.status, self.action = case_id, status, action
        label = STATUS_LABELS.get(status, status)
        verb = ACTION_LABELS.get(action, action)
        extra = f"；{detail}" if detail else ""
        super().__init__(f"工单 {case_id} 当前状态为「{label}」，不能{verb}{extra} "
                         f"(case {case_id} is {status}; cannot {action})")


class CaseNotFound(LookupError):
    """No case with that id (HTTP 404)."""

    def __init__(self, case_id: str) -> None:
        super().__init__(f"工单 {case_id} 不存在 (no case {case_id!r})")


def get_case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(case_id)
    return case


def transition(session: Session, case_id: str, action: str, *, actor: str, now: datetime, sla: SlaConfig,
               webhooks: list[WebhookConfig] | None = None, reason: str | None = None,
               department: str | None = None, assignee: str | None = None) -> Case:
    """Apply dispatch, accept, resolve, close, reopen or reject to a case.

    Raises CaseNotFound, InvalidTransition, or ValueError for bad input (an unknown
    action, a rejection without a reason).
    """
    if action not in TRANSITIONS:
        known = ", ".join([*TRANSITIONS, "merge", "assign"])
        raise ValueError(f"unknown case action {action!r} (known: {known})")
    if action == "reject" and not (reason and reason.strip()):
        raise ValueError("驳回需要填写理由 (a rejection needs a reason)")
    case = get_case(session, case_id)
    allowed, target = TRANSITIONS[action]
    if case.status not in allowed:
        raise InvalidTransition(case.id, case.status, action)
    if action == "reopen":
        reopen(session, case, actor=actor, now=now, sla=sla, webhooks=webhooks or [], reason=reason,
               event_time=now, push=True)
        return case
    before = case.status
    case.status, case.updated_at = target, now
    if action == "dispatch":
        case.dispatched_at = case.dispatched_at or now  # KPIs measure the first dispatch
        case.department = department or case.department
        case.assignee = assignee or case.assignee
    elif action == "resolve":
        case.resolved_at = now
    elif action == "close":
        case.closed_at = now
    case.due_at = due_for(sla, target, case.level1, case.priority, now)
    record(session, case, action, actor=actor, now=now, from_status=before, to_status=target, reason=reason,
           data={k: v for k, v in (("department", department), ("assignee", assignee)) if v})
    return case


def reopen(session: Session, case: Case, *, actor: str, now: datetime, sla: SlaConfig,
           webhooks: list[WebhookConfig], reason: str | None, event_time: datetime, push: bool,
           post_id: int | None = None) -> Alert | None:
    """Bring a resolved, closed or rejected case back to 重新办理 and raise ``reopened``."""
    before, resolved_at = case.status, case.resolved_at
    case.status, case.updated_at = "reopened", now
    case.resolved_at = case.closed_at = None
    case.due_at = due_for(sla, "reopened", case.level1, case.priority, now)
    record(session, case, "reopen", actor=actor, now=now, from_status=before, to_status="reopened",
           reason=reason, data={"post_id": post_id} if post_id else {})
    stamp = int((resolved_at or now).timestamp())
    return raise_alert(session, type="reopened", key=f"reopened:{case.id}:{stamp}", level="warning",
                       title=f"工单重新办理：{case.title}", case_id=case.id, now=now, event_time=event_time,
                       webhooks=webhooks, backfilled=not push, push=push,
                       payload={"case_id": case.id, "from_status": before, "reason": reason,
                                "post_id": post_id})


def assign(session: Session, case_id: str, assignee: str, *, actor: str, now: datetime) -> Case:
    """Set who handles a case; refused once it is closed, merged or rejected."""
    if not assignee.strip():
        raise ValueError("指派对象不能为空 (assignee is empty)")
    case = get_case(session, case_id)
    if case.status not in ACTIVE | {"resolved"}:
        raise InvalidTransition(case.id, case.status, "assign")
    before, case.assignee, case.updated_at = case.assignee, assignee, now
    record(session, case, "assign", actor=actor, now=now, data={"from": before, "to": assignee})
    return case


def merge(session: Session, case_id: str, into: str, *, actor: str, now: datetime,
          reason: str | None = None) -> Case:
    """Fold a duplicate case into another: its evidence moves, it becomes 已合并."""
    case, target = get_case(session, case_id), get_case(session, into)
    if case.id == target.id:
        raise ValueError(f"工单 {case.id} 不能合并到自身 (cannot merge a case into itself)")
    if case.status not in ACTIVE:
        raise InvalidTransition(case.id, case.status, "merge")
    if target.status in ("merged", "rejected"):
        raise InvalidTransition(target.id, target.status, "merge", "目标工单不可接收合并")
    session.flush()  # the bulk statements below bypass the unit of work
    held = select(CasePost.post_id).where(CasePost.case_id == target.id)
    moved = session.execute(update(CasePost).where(CasePost.case_id == case.id, CasePost.post_id.not_in(held))
                            .values(case_id=target.id).execution_options(synchronize_session=False)).rowcount
    session.execute(delete(CasePost).where(CasePost.case_id == case.id)
                    .execution_options(synchronize_session=False))
    session.expire_all()  # evidence lists changed under the ORM's feet
    before = case.status
    case.status, case.merged_into, case.due_at, case.updated_at = "merged", target.id, None, now
    target.updated_at = now
    recount(session, target)
    record(session, case, "merge", actor=actor, now=now, from_status=before, to_status="merged", reason=reason,
           data={"into": target.id, "moved_posts": moved})
    record(session, target, "merged_in", actor=actor, now=now, reason=reason,
           data={"from": case.id, "moved_posts": moved})
    return case


def find_overdue(session: Session, now: datetime, *, webhooks: list[WebhookConfig] | None = None) -> list[Alert]:
    """Raise one 督办 ``overdue`` alert per missed step deadline; returns the new ones.

    Safe to run every minute: the alert key names the case, step and deadline. A
    backfilled case still waiting for its first response is recorded, not pushed:
    its clock started when history was loaded, not when anyone could have acted.
    """
    raised: list[Alert] = []
    rows = session.scalars(select(Case).where(Case.status.in_(tuple(STEP_OF_STATUS)), Case.due_at.is_not(None),
                                              Case.due_at < now))
    for case in rows:
        step = STEP_OF_STATUS[case.status]
        push = not (case.backfilled and case.status == "new")
        alert = raise_alert(
            session, type="overdue", key=f"overdue:{case.id}:{case.status}:{int(case.due_at.timestamp())}",
            level="critical", title=f"督办：{case.title}（{STEP_LABELS[step]}超时）", case_id=case.id, now=now,
            event_time=case.due_at, webhooks=webhooks or [], backfilled=not push, push=push,
            payload={"case_id": case.id, "status": case.status, "step": step,
                     "due_at": case.due_at.isoformat(), "department": case.department,
                     "assignee": case.assignee})
        if alert is not None:
            record(session, case, "overdue", actor="system", now=now, data={"step": step, "alert_id": alert.id})
            raised.append(alert)
    return raised
