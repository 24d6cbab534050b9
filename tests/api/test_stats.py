"""Trend, top lists, overview, KPIs, ledgers, Open311 and saved searches."""
from __future__ import annotations

from datetime import datetime, timezone

from .conftest import add_case


def test_trend_by_day_and_hour(client, auth, forum_thread, video_comments) -> None:
    day = client.get("/api/v1/stats/trend", params={"since": "2025-06-01", "until": "2025-06-03"},
                     headers=auth("viewer")).json()
    assert day["total"] == 9
    assert [b["count"] for b in day["buckets"] if b["count"]] == [9]
    by_query = client.get("/api/v1/stats/trend", params={"q": "电梯", "interval": "hour"},
                          headers=auth("viewer")).json()
    assert by_query["total"] == 2 and by_query["interval"] == "hour"
    assert client.get("/api/v1/stats/trend", params={"interval": "week"}, headers=auth("viewer")).status_code == 422


def test_top_lists_masked_for_viewer(client, runtime, auth, forum_thread) -> None:
    from .conftest import add_post

    for n in range(2):
        add_post(runtime, external_id=f"p{n}", text="噪音扰民", author_id="13912345678",
                 tag={"level1": "生态环境", "level2": "噪声污染", "district": "秀洲区"})
    top = client.get("/api/v1/stats/top", params={"fields": "level1,author_id", "limit": 3},
                     headers=auth("viewer")).json()["top"]
    assert top["level1"][0] == {"value": "城乡建设", "count": 5}
    assert top["author_id"][0] == {"value": "139****5678", "count": 2}
    full = client.get("/api/v1/stats/top", params={"fields": "author_id"}, headers=auth("operator")).json()["top"]
    assert full["author_id"][0]["value"] == "13912345678"
    bad = client.get("/api/v1/stats/top", params={"fields": "level1,secret"}, headers=auth("viewer"))
    assert bad.status_code == 422 and "secret" in bad.json()["detail"]


def test_overview_counts(client, runtime, auth, forum_thread) -> None:
    add_case(runtime, [forum_thread[1]])
    body = client.get("/api/v1/stats/overview", headers=auth("viewer")).json()
    assert body["cases_by_status"] == {"new": 1}
    assert set(body["periods"]) == {"today", "week", "month"}


def test_kpi_ledgers_open311(client, runtime, auth, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1]])
    with runtime.store.session() as session:
        from index.models import Case

        session.get(Case, case_id).created_at = datetime.now(timezone.utc)
    kpi = client.get("/api/v1/stats/kpi", params={"days": 7}, headers=auth("viewer")).json()
    assert kpi["cases"] == 1 and kpi["period"]["days"] == 7
    assert client.get("/api/v1/stats/kpi", params={"days": 0}, headers=auth("viewer")).status_code == 422
    assert client.get("/api/v1/ledgers/complainants", headers=auth("viewer")).status_code == 200
    assert client.get("/api/v1/ledgers/points", headers=auth("viewer")).json() == []
    requests = client.get("/open311/v2/requests.json", params={"status": "open"}, headers=auth("viewer")).json()
    assert [r["service_request_id"] for r in requests] == [case_id]
    one = client.get(f"/open311/v2/requests/{case_id}.json", headers=auth("viewer")).json()
    assert one[0]["service_request_id"] == case_id
    assert client.get("/open311/v2/requests.json", headers={}).status_code == 401
    assert client.get("/open311/v2/requests.json", params={"status": "pending"},
                      headers=auth("viewer")).status_code == 422


def test_saved_searches(client, auth) -> None:
    created = client.post("/api/v1/saved-searches", headers=auth("viewer"),
                          json={"name": "电梯", "query": "电梯 -广告", "filters": {"district": "南湖区",
                                                                             "category": "城乡建设"}})
    assert created.status_code == 201, created.text
    saved = created.json()
    assert saved["owner"] == "viewer-key"
    assert saved["filters"] == {"district": "南湖区", "level1": "城乡建设"}
    client.post("/api/v1/saved-searches", headers=auth("operator"), json={"name": "噪音", "query": "噪音"})
    mine = client.get("/api/v1/saved-searches", headers=auth("viewer")).json()
    assert [s["name"] for s in mine] == ["电梯"]
    assert len(client.get("/api/v1/saved-searches", headers=auth("admin")).json()) == 2
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}", headers=auth("operator")).status_code == 404
    assert client.delete(f"/api/v1/saved-searches/{saved['id']}", headers=auth("viewer")).status_code == 204
    assert client.get("/api/v1/saved-searches", headers=auth("viewer")).json() == []


def test_saved_search_bad_input(client, auth) -> None:
    for body, fragment in (({"name": "x"}, "query or at least one filter"),
                           ({"name": "x", "query": '"电梯'}, "unclosed quote"),
                           ({"name": "x", "filters": {"size": 5}}, "not a filter"),
                           ({"name": "x", "filters": {"since": "soon"}}, "since"),
                           ({"name": "", "query": "a"}, "name")):
        response = client.post("/api/v1/saved-searches", headers=auth("viewer"), json=body)
        assert response.status_code == 422, (body, response.text)
        assert fragment in response.json()["detail"]
