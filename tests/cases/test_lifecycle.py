"""Every lifecycle transition, every refused one (409), SLA deadlines and 督办."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from cases.config import SlaConfig
from cases.lifecycle import (ACTIVE, TRANSITIONS, CaseNotFound, InvalidTransition, assign, find_overdue, merge,
                             transition)
from index.models import Alert, Case, CaseEvent, CasePost
from tests.cases.conftest import COMPOUND, NOW, SANITATION

SLA = SlaConfig()
ALL_STATUSES = ("new", "dispatched", "in_progress", "resolved", "closed", "reopened", "merged", "rejected")
PATH = {"new": [], "dispatched": ["dispatch"], "in_progress": ["dispatch", "accept"],
        "resolved": ["dispatch", "accept", "resolve"], "closed": ["dispatch", "accept", "resolve", "close"],
        "reopened": ["dispatch", "accept", "resolve", "reopen"], "rejected": ["reject"]}


@pytest.fixture
def new_case(store, make_post, engine_factory):
    """A factory of fresh cases (each at its own place) in a given status."""
    counter = iter(range(1000))

    def build(session, status: str = "new") -> Case:
        n = next(counter)
        place = {**COMPOUND, "id": f"c{n}", "name": f"小区{n}", "lat": None, "lon": None}
        report = engine_factory().process(
            session, [make_post(session, "垃圾没人清运，臭气熏天", at=NOW, author=f"u{n}", place=place,
                                category=SANITATION)], now=NOW)
        case = session.get(Case, report.opened[0])
        if status == "merged":
            other = build(session)
            merge(session, case.id, other.id, actor="op", now=NOW)
            return case
        for action in PATH[status]:
            transition(session, case.id, action, actor="op", now=NOW, sla=SLA, reason="非诉求")
        assert case.status == status
        return case
    return build


def test_happy_path_with_deadlines_and_events(store, new_case):
    with store.session() as session:
        case = new_case(session)
        assert case.status == "new" and case.due_at == NOW + timedelta(minutes=1)
        steps = [("dispatch", "dispatched", timedelta(minutes=10)), ("accept", "in_progress", timedelta(minutes=30)),
                 ("resolve", "resolved", None), ("close", "closed", None)]
        for i, (action, status, due) in enumerate(steps):
            at = NOW + timedelta(minutes=i + 1)
            transition(session, case.id, action, actor="张三", now=at, sla=SLA, department="环卫所")
            assert case.status == status
            assert case.due_at == (at + due if due else None)
        assert case.dispatched_at == NOW + timedelta(minutes=1) and case.department == "环卫所"
        assert case.resolved_at and case.closed_at
        events = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                              CaseEvent.actor == "张三").order_by(CaseEvent.id)))
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("dispatch", "new", "dispatched"), ("accept", "dispatched", "in_progress"),
            ("resolve", "in_progress", "resolved"), ("close", "resolved", "closed")]


def test_reopen_and_reject_side_exits(store, new_case):
    with store.session() as session:
        closed = new_case(session, "closed")
        transition(session, closed.id, "reopen", actor="op", now=NOW, sla=SLA, reason="回访不满意")
        assert closed.status == "reopened" and closed.closed_at is None
        assert session.scalars(select(Alert).where(Alert.type == "reopened", Alert.case_id == closed.id)).one()
        transition(session, closed.id, "dispatch", actor="op", now=NOW, sla=SLA)
        assert closed.status == "dispatched"
        fake = new_case(session)
        with pytest.raises(ValueError, match="reason"):
            transition(session, fake.id, "reject", actor="op", now=NOW, sla=SLA)
        transition(session, fake.id, "reject", actor="op", now=NOW, sla=SLA, reason="广告帖，非诉求")
        assert fake.status == "rejected" and fake.due_at is None
        event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == fake.id,
                                                        CaseEvent.action == "reject")).one()
        assert event.reason == "广告帖，非诉求"


VALID = {(status, action) for action, (starts, _) in TRANSITIONS.items() for status in starts}
INVALID = [(s, a) for s in ALL_STATUSES for a in TRANSITIONS if (s, a) not in VALID]


@pytest.mark.parametrize(("status", "action"), sorted(VALID))
def test_every_valid_transition(store, new_case, status, action):
    with store.session() as session:
        case = new_case(session, status)
        transition(session, case.id, action, actor="op", now=NOW, sla=SLA, reason="理由")
        assert case.status == TRANSITIONS[action][1]


@pytest.mark.parametrize(("status", "action"), INVALID)
def test_every_invalid_transition_is_refused(store, new_case, status, action):
    with store.session() as session:
        case = new_case(session, status)
        with pytest.raises(InvalidTransition) as caught:
            transition(session, case.id, action, actor="op", now=NOW, sla=SLA, reason="理由")
        message = str(caught.value)
        assert case.id in message and "cannot" in message and "不能" in message
        assert case.status == status




def test_unknown_action_and_missing_case(store, new_case):
    with store.session() as session:
        case = new_case(session)
        with pytest.raises(ValueError, match="unknown case action"):
            transition(session, case.id, "teleport", actor="op", now=NOW, sla=SLA)
        with pytest.raises(CaseNotFound):
            transition(session, "MS-19990101-0001", "dispatch", actor="op", now=NOW, sla=SLA)


def test_merge_moves_evidence(store, new_case, make_post):
    with store.session() as session:
        dup, keep = new_case(session), new_case(session, "dispatched")
        merge(session, dup.id, keep.id, actor="op", now=NOW, reason="同一问题")
        assert dup.status == "merged" and dup.merged_into == keep.id
        assert session.scalar(select(CasePost.case_id).where(CasePost.case_id == dup.id)) is None
        assert keep.post_count == 2
        with pytest.raises(InvalidTransition):
            merge(session, dup.id, keep.id, actor="op", now=NOW)
        with pytest.raises(ValueError):
            merge(session, keep.id, keep.id, actor="op", now=NOW)
        rejected = new_case(session, "rejected")
        with pytest.raises(InvalidTransition):
            merge(session, new_case(session).id, rejected.id, actor="op", now=NOW)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_assign(store, new_case, status):
    with store.session() as session:
        case = new_case(session, status)
        if status in ACTIVE | {"resolved"}:
            assign(session, case.id, "网格员李四", actor="op", now=NOW)
            assert case.assignee == "网格员李四"
        else:
            with pytest.raises(InvalidTransition):
                assign(session, case.id, "网格员李四", actor="op", now=NOW)


def test_sla_overrides_by_category_then_priority(store, new_case):
    sla = SlaConfig(by_category={"城乡建设": {"on_site": "2h"}}, by_priority={"high": {"on_site": "15m"}})
    with store.session() as session:
        case = new_case(session)
        transition(session, case.id, "dispatch", actor="op", now=NOW, sla=sla)
        assert case.due_at == NOW + timedelta(hours=2)
        other = new_case(session)
        other.priority = "high"
        transition(session, other.id, "dispatch", actor="op", now=NOW, sla=sla)
        assert other.due_at == NOW + timedelta(minutes=15)


def test_overdue_raises_one_alert_per_missed_step(store, new_case):
    with store.session() as session:
        late, on_time = new_case(session), new_case(session, "dispatched")
        raised = find_overdue(session, NOW + timedelta(minutes=2))
        assert [a.case_id for a in raised] == [late.id]
        assert raised[0].type == "overdue" and raised[0].level == "critical" and "督办" in raised[0].title
        assert find_overdue(session, NOW + timedelta(minutes=3)) == []  # once per step deadline
        later = find_overdue(session, NOW + timedelta(minutes=11))
        assert [a.case_id for a in later] == [on_time.id]
        transition(session, late.id, "dispatch", actor="op", now=NOW + timedelta(minutes=12), sla=SLA)
        assert [a.case_id for a in find_overdue(session, NOW + timedelta(minutes=30))] == [late.id]
