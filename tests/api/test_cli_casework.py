"""`minsheng cases list|show|transition` and `minsheng alerts list` through the real command line.

Cases and alerts are seeded with the API fixtures into the same home the CLI's config names.
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from index.models import Case, CaseEvent

from .conftest import BASE_TIME, add_alert, add_case

FIRST, SECOND, MISSING = "MS-20250602-0001", "MS-20250602-0002", "MS-19990101-0001"
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(runtime, make_config: Callable[..., Path], run_cli: Cli) -> Cli:
    """`minsheng --config … ARGS` on the store the ``runtime`` fixture seeds (same home)."""
    config = str(make_config())
    return lambda *args: run_cli("--config", config, *args)


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def _events(runtime, case_id: str) -> list[CaseEvent]:
    with runtime.store.session() as session:
        rows = list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))
        session.expunge_all()
    return rows


def _case(runtime, case_id: str) -> Case:
    with runtime.store.session() as session:
        case = session.get(Case, case_id)
        session.expunge(case)
    return case


def test_cases_list_table_json_and_filters(cli: Cli, runtime, forum_thread) -> None:
    add_case(runtime, [forum_thread[1], forum_thread[2]])
    add_case(runtime, [forum_thread[4]], case_id=SECOND, status="dispatched", title="新兴街道 · 路灯不亮")
    with runtime.store.session() as session:  # the second case is the newer one and has a department
        second = session.get(Case, SECOND)
        second.department, second.last_seen = "城管局", BASE_TIME + timedelta(hours=1)
    code, out, err = cli("cases", "list")
    assert code == 0, err
    assert out.splitlines() == [f"{SECOND} [dispatched] normal 新兴街道 · 路灯不亮 (1 帖/1 人, 城管局)",
                                f"{FIRST} [new] normal 中央城小区 · 电梯故障 (2 帖/2 人, -)"]
    code, out, err = cli("cases", "list", "--json")
    rows = _json_lines(out)
    assert code == 0 and [r["id"] for r in rows] == [SECOND, FIRST]
    assert rows[1]["status"] == "new" and rows[1]["counted_posts"] == 2 and rows[1]["place_id"] == "p-zyc"
    assert [r["id"] for r in _json_lines(cli("cases", "list", "--status", "new", "--json")[1])] == [FIRST]
    assert [r["id"] for r in _json_lines(cli("cases", "list", "--department", "城管局", "--json")[1])] == [SECOND]
    assert [r["id"] for r in _json_lines(cli("cases", "list", "--limit", "1", "--json")[1])] == [SECOND]
    assert cli("cases", "list", "--status", "closed") == (0, "", "")
    code, out, err = cli("cases", "list", "--limit", "0")
    assert code == 2 and out == "" and "--limit" in err


def test_cases_show_evidence_and_history(cli: Cli, runtime, forum_thread) -> None:
    add_case(runtime, [forum_thread[3], forum_thread[1]])
    assert cli("cases", "transition", FIRST, "dispatch", "--actor", "张三")[0] == 0
    code, out, err = cli("cases", "show", FIRST)
    assert code == 0, err
    data = json.loads(out)
    assert data["id"] == FIRST and data["status"] == "dispatched"
    assert [e["post_id"] for e in data["evidence"]] == [forum_thread[1], forum_thread[3]]  # in time order
    assert "13812345678" in data["evidence"][1]["text"]  # the CLI is an operator's tool: unmasked
    assert [(h["action"], h["actor"], h["from_status"], h["to_status"]) for h in data["history"]] == [
        ("dispatch", "张三", "new", "dispatched")]
    code, out, err = cli("cases", "show", MISSING)
    assert (code, out, err) == (2, "", f"minsheng: error: no case '{MISSING}'\n")


def test_transition_walks_the_lifecycle_and_records_events(cli: Cli, runtime, forum_thread) -> None:
    add_case(runtime, [forum_thread[1]])
    code, out, err = cli("cases", "transition", FIRST, "dispatch", "--department", "住建局",
                         "--assignee", "新兴街道城管中队", "--actor", "值班员")
    assert code == 0, err
    assert json.loads(out) == {"case": FIRST, "status": "dispatched"}
    for action, status in (("accept", "in_progress"), ("resolve", "resolved"), ("close", "closed"),
                           ("reopen", "reopened")):
        code, out, err = cli("cases", "transition", FIRST, action, "--reason", f"{action} 理由")
        assert code == 0, err
        assert json.loads(out) == {"case": FIRST, "status": status}
    case = _case(runtime, FIRST)
    assert (case.status, case.department, case.assignee) == ("reopened", "住建局", "新兴街道城管中队")
    assert case.dispatched_at is not None and case.resolved_at is None and case.closed_at is None
    events = _events(runtime, FIRST)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("dispatch", "new", "dispatched"), ("accept", "dispatched", "in_progress"),
        ("resolve", "in_progress", "resolved"), ("close", "resolved", "closed"), ("reopen", "closed", "reopened")]
    assert events[0].actor == "值班员" and events[0].data == {"department": "住建局", "assignee": "新兴街道城管中队"}
    assert {e.actor for e in events[1:]} == {"cli"} and events[2].reason == "resolve 理由"
    code, out, err = cli("alerts", "list", "--type", "reopened", "--json")  # reopening raises an alert
    assert code == 0, err
    assert [(a["type"], a["case_id"]) for a in _json_lines(out)] == [("reopened", FIRST)]


@pytest.mark.parametrize(("case_id", "args", "message"), [
    (MISSING, ["dispatch"], f"no case '{MISSING}'"),
    (FIRST, ["resolve"], f"工单 {FIRST} 当前状态为「待派单」，不能办结 (case {FIRST} is new; cannot resolve)"),
    (FIRST, ["explode"], "unknown case action 'explode' (known: dispatch, accept, resolve, close, reopen, "
                         "reject, merge, assign)"),
    (FIRST, ["reject", "--reason", "  "], "驳回需要填写理由 (a rejection needs a reason)"),
])
def test_refused_transition_is_one_line_and_changes_nothing(cli: Cli, runtime, forum_thread, case_id: str,
                                                            args: list[str], message: str) -> None:
    add_case(runtime, [forum_thread[1]])
    code, out, err = cli("cases", "transition", case_id, *args)
    assert (code, out, err) == (2, "", f"minsheng: error: {message}\n")
    assert _case(runtime, FIRST).status == "new" and _events(runtime, FIRST) == []


def test_alerts_list_feed_order_cursor_type_and_json(cli: Cli, runtime) -> None:
    first = add_alert(runtime, "warning:a1", case_id=FIRST)
    second = add_alert(runtime, "overdue:a2", type="overdue", title="工单超时")
    third = add_alert(runtime, "warning:a3", title="热点上升")
    code, out, err = cli("alerts", "list")
    assert code == 0, err
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d"
    expected = [rf"#{first} {stamp} warning      {FIRST} 同一点位 24 小时内 3 条诉求",
                rf"#{second} {stamp} overdue      - 工单超时", rf"#{third} {stamp} warning      - 热点上升"]
    lines = out.splitlines()
    assert len(lines) == 3 and all(re.fullmatch(p, line) for p, line in zip(expected, lines)), out
    code, out, _ = cli("alerts", "list", "--after", str(first), "--json")
    rows = _json_lines(out)
    assert code == 0 and [r["id"] for r in rows] == [second, third]
    assert rows[0]["key"] == "overdue:a2" and rows[0]["payload"] == {"note": "工单超时"}
    assert [r["id"] for r in _json_lines(cli("alerts", "list", "--type", "warning", "--json")[1])] == [first, third]
    assert [r["id"] for r in _json_lines(cli("alerts", "list", "--limit", "1", "--json")[1])] == [first]
    assert cli("alerts", "list", "--after", str(third)) == (0, "", "")
