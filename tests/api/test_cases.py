"""Case list, detail, lifecycle actions through the API (409 on invalid), merge, assign, audit."""
from __future__ import annotations

from sqlalchemy import select

from index.models import AuditEntry, CaseEvent

from .conftest import add_case


def test_list_filters_and_search(client, runtime, auth, forum_thread) -> None:
    add_case(runtime, [forum_thread[1], forum_thread[2]])
    add_case(runtime, [forum_thread[4]], case_id="MS-20250602-0002", status="dispatched", title="新兴街道 · 路灯不亮")
    everything = client.get("/api/v1/cases", headers=auth("viewer")).json()
    assert everything["total"] == 2
    new = client.get("/api/v1/cases", params={"status": "new"}, headers=auth("viewer")).json()
    assert [c["id"] for c in new["items"]] == ["MS-20250602-0001"]
    by_text = client.get("/api/v1/cases", params={"q": "停运"}, headers=auth("viewer")).json()
    assert [c["id"] for c in by_text["items"]] == ["MS-20250602-0001"]  # found through its evidence
    by_title = client.get("/api/v1/cases", params={"q": "路灯"}, headers=auth("viewer")).json()
    assert [c["id"] for c in by_title["items"]] == ["MS-20250602-0002"]
    bad = client.get("/api/v1/cases", params={"status": "done"}, headers=auth("viewer"))
    assert bad.status_code == 422 and "unknown status" in bad.json()["detail"]


def test_detail_has_evidence_and_history_masked_for_viewer(client, runtime, auth, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[3], forum_thread[1]])
    body = client.get(f"/api/v1/cases/{case_id}", headers=auth("viewer")).json()
    assert [e["post_id"] for e in body["evidence"]] == [forum_thread[1], forum_thread[3]]  # in time order
    assert "138****5678" in body["evidence"][1]["text"]
    full = client.get(f"/api/v1/cases/{case_id}", headers=auth("operator")).json()
    assert "13812345678" in full["evidence"][1]["text"]
    assert client.get("/api/v1/cases/MS-19990101-0001", headers=auth("viewer")).status_code == 404


def test_lifecycle_through_the_api(client, runtime, auth, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    path = f"/api/v1/cases/{case_id}/transition"
    dispatched = client.post(path, headers=auth("dispatch"), json={"action": "dispatch", "assignee": "新兴街道城管中队"})
    assert dispatched.status_code == 200, dispatched.text
    assert dispatched.json()["case"]["status"] == "dispatched"
    assert dispatched.json()["case"]["assignee"] == "新兴街道城管中队"
    for action, status in (("accept", "in_progress"), ("resolve", "resolved"), ("close", "closed")):
        response = client.post(path, headers=auth("operator"), json={"action": action})
        assert response.status_code == 200, response.text
        assert response.json()["case"]["status"] == status
    again = client.post(path, headers=auth("operator"), json={"action": "resolve"})
    assert again.status_code == 409
    assert "cannot resolve" in again.json()["detail"]
    unknown = client.post(path, headers=auth("operator"), json={"action": "explode"})
    assert unknown.status_code == 422
    with runtime.store.session() as session:
        events = [e.action for e in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))]
        audit = [(a.actor, a.action) for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert events == ["dispatch", "accept", "resolve", "close"]
    assert audit == [("dispatch-key", "case.dispatch"), ("operator-key", "case.accept"),
                     ("operator-key", "case.resolve"), ("operator-key", "case.close")]


def test_reject_needs_reason(client, runtime, auth, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    response = client.post(f"/api/v1/cases/{case_id}/transition", headers=auth("operator"), json={"action": "reject"})
    assert response.status_code == 422
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth("viewer")).json()["case"]["status"] == "new"


def test_assign_and_merge(client, runtime, auth, forum_thread) -> None:
    first = add_case(runtime, [forum_thread[1], forum_thread[2]])
    second = add_case(runtime, [forum_thread[4]], case_id="MS-20250602-0002")
    assigned = client.post(f"/api/v1/cases/{first}/assign", headers=auth("dispatch"), json={"assignee": "物业科"})
    assert assigned.status_code == 200 and assigned.json()["case"]["assignee"] == "物业科"
    assert client.post(f"/api/v1/cases/{first}/assign", headers=auth("operator"),
                       json={"assignee": "x"}).status_code == 403
    assert client.post(f"/api/v1/cases/{second}/merge", headers=auth("operator"),
                       json={"into": second}).status_code == 422
    merged = client.post(f"/api/v1/cases/{second}/merge", headers=auth("operator"), json={"into": first, "reason": "同一问题"})
    assert merged.status_code == 200, merged.text
    assert merged.json()["case"]["id"] == first
    assert {e["post_id"] for e in merged.json()["evidence"]} == {forum_thread[1], forum_thread[2], forum_thread[4]}
    gone = client.get(f"/api/v1/cases/{second}", headers=auth("viewer")).json()["case"]
    assert gone["status"] == "merged" and gone["merged_into"] == first
    twice = client.post(f"/api/v1/cases/{second}/merge", headers=auth("operator"), json={"into": first})
    assert twice.status_code == 409
