"""The case board and case page: columns, filters, SLA data, actions shown by role and
refused by the server, merge, ledger flags and related cases."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from api.settings import load_settings
from index.models import Case, CaseEvent

from .conftest import DEMO_GAZETTEER, add_case, add_post
from .test_ui import _csrf, sign_in


@pytest.fixture
def settings(tmp_path):
    return load_settings(None, home=tmp_path / "home", gazetteer=str(DEMO_GAZETTEER))


def _set(runtime, case_id: str, **values) -> None:
    with runtime.store.session() as session:
        case = session.get(Case, case_id)
        for name, value in values.items():
            setattr(case, name, value)


def _column_of(html: str, case_id: str) -> str:
    """The status column a case's card sits in on the board page."""
    position = html.index(f'data-case="{case_id}"')
    return re.findall(r'<section class="column" data-status="([a-z_]+)"', html[:position])[-1]


def test_board_columns_filters_and_countdowns(client, runtime, keys, forum_thread) -> None:
    first = add_case(runtime, [forum_thread[1]], case_id="MS-20250602-0001")
    second = add_case(runtime, [forum_thread[2]], case_id="MS-20250602-0002", status="dispatched")
    past = datetime.now(timezone.utc) - timedelta(hours=1)
    _set(runtime, first, due_at=past, department="住建局", priority="high")
    _set(runtime, second, due_at=past + timedelta(days=2), department="城管局")
    sign_in(client, keys["viewer"])
    board = client.get("/cases").text
    assert _column_of(board, first) == "new" and _column_of(board, second) == "dispatched"
    assert f'data-due="{past.isoformat()}"' in board
    assert "details class=\"actions" not in board  # a viewer gets no action forms
    only_late = client.get("/cases", params={"overdue": "true"}).text
    assert first in only_late and second not in only_late
    by_department = client.get("/cases", params={"department": "城管局"}).text
    assert second in by_department and first not in by_department
    assert first in client.get("/cases", params={"priority": "high"}).text
    assert client.get("/cases", params={"priority": "bogus"}).status_code == 422


def test_actions_hidden_and_refused_by_role(client, runtime, keys, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    sign_in(client, keys["operator"])
    page = client.get(f"/cases/{case_id}").text
    assert 'data-action="dispatch"' not in page and 'data-action="reject"' in page
    token = _csrf(page)
    refused = client.post(f"/ui/cases/{case_id}/transition", data={"action": "dispatch", "csrf_token": token})
    assert refused.status_code == 403
    no_reason = client.post(f"/ui/cases/{case_id}/transition", data={"action": "reject", "csrf_token": token})
    assert no_reason.status_code == 409 and "理由" in no_reason.text
    done = client.post(f"/ui/cases/{case_id}/transition", follow_redirects=False,
                       data={"action": "reject", "csrf_token": token, "reason": "重复反映", "back": "/cases?overdue=true"})
    assert done.status_code == 303 and done.headers["location"] == "/cases?overdue=true"
    evil_back = client.post(f"/ui/cases/{case_id}/transition", follow_redirects=False,
                            data={"action": "reopen", "csrf_token": token, "reason": "再次反映", "back": "//evil.example"})
    assert evil_back.headers["location"] == "/"
    with runtime.store.session() as session:
        events = [(e.action, e.actor, e.reason) for e in session.query(CaseEvent).filter_by(case_id=case_id)]
    assert events == [("reject", "operator-key", "重复反映"), ("reopen", "operator-key", "再次反映")]


def test_dispatch_with_department_then_merge(client, runtime, keys, forum_thread) -> None:
    keep = add_case(runtime, [forum_thread[1]], case_id="MS-20250602-0001")
    dup = add_case(runtime, [forum_thread[2]], case_id="MS-20250602-0002")
    sign_in(client, keys["dispatch"])
    token = _csrf(client.get("/cases").text)
    client.post(f"/ui/cases/{keep}/transition", data={"action": "dispatch", "csrf_token": token,
                                                      "department": "南湖区住建局", "reason": "属地"})
    detail = client.get(f"/api/v1/cases/{keep}").json()["case"]
    assert detail["status"] == "dispatched" and detail["department"] == "南湖区住建局"
    self_merge = client.post(f"/ui/cases/{dup}/merge", data={"into": dup, "csrf_token": token, "reason": "x"})
    assert self_merge.status_code == 409
    merged = client.post(f"/ui/cases/{dup}/merge", data={"into": keep, "csrf_token": token, "reason": "同一电梯"},
                         follow_redirects=False)
    assert merged.status_code == 303 and merged.headers["location"] == f"/cases/{keep}"
    survivor = client.get(f"/api/v1/cases/{keep}").json()
    assert survivor["case"]["post_count"] == 2
    assert client.get(f"/api/v1/cases/{dup}").json()["case"]["status"] == "merged"


def test_case_page_related_cases_flags_and_timeline(client, runtime, keys, forum_thread, video_comments) -> None:
    case_id = add_case(runtime, [forum_thread[1], video_comments["c1"]], case_id="MS-20250602-0001")
    other = add_case(runtime, [forum_thread[3]], case_id="MS-20250601-0009", title="中央城 · 电梯又坏")
    _set(runtime, case_id, lat=30.751, lon=120.78, flags={"frequent_point": "2025-06-02T09:00:00+00:00"})
    sign_in(client, keys["viewer"])
    page = client.get(f"/cases/{case_id}").text
    assert f'href="/cases/{other}"' in page  # same point (place p-zyc)
    assert 'id="flag-point"' in page and "高频点位" in page
    assert 'id="case-map-data"' in page
    assert page.count('<li class="">') + page.count('<li class="dup">') == 2  # both sources on the timeline
    assert "forum" in page and "video" in page
    assert "13812345678" not in client.get(f"/cases/{other}").text


def test_frequent_complainant_flag(client, runtime, keys) -> None:
    posts = [add_post(runtime, external_id=f"fc{i}", kind="thread", title=f"第{i}次反映", author_id="13900001111",
                      text=f"噪音扰民第{i}次反映，地点{i}号楼", published_at=datetime.now(timezone.utc) - timedelta(days=i),
                      tag={"level1": "城乡建设", "level2": "噪音", "place_id": f"p{i}"}) for i in range(6)]
    case_id = add_case(runtime, posts[:1])
    sign_in(client, keys["viewer"])
    page = client.get(f"/cases/{case_id}").text
    assert "flag-complainant" in page and "13900001111" not in page
