"""Post search, masking by role, the audit log, 422 on bad input, and thread context."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from index.models import AuditEntry

SEARCH = "/api/v1/posts/search"


def test_search_finds_and_highlights(client, auth, forum_thread) -> None:
    response = client.get(SEARCH, params={"q": "电梯", "facets": "district,level1"}, headers=auth("operator"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 2
    assert {hit["id"] for hit in body["hits"]} == {forum_thread[1], forum_thread[2]}
    first = next(hit for hit in body["hits"] if hit["id"] == forum_thread[1])
    assert "<em>" in first["highlights"].get("text", "") + first["highlights"].get("title", "")
    assert body["facets"]["district"] == [{"value": "南湖区", "count": 2}]


def test_filters_and_sort(client, auth, forum_thread, video_comments) -> None:
    everything = client.get(SEARCH, params={"sort": "time", "size": 50}, headers=auth("viewer")).json()
    assert everything["total"] == 9
    times = [hit["post"]["published_at"] for hit in everything["hits"]]
    assert times == sorted(times, reverse=True)
    video = client.get(SEARCH, params={"source": "video"}, headers=auth("viewer")).json()
    assert video["total"] == 4
    by_category = client.get(SEARCH, params={"category": "城乡建设/物业管理"}, headers=auth("viewer")).json()
    assert by_category["total"] == 5
    excluded = client.get(SEARCH, params={"q": "电梯 -停运"}, headers=auth("viewer")).json()
    assert [hit["id"] for hit in excluded["hits"]] == [forum_thread[1]]


def test_viewer_sees_masked_operator_sees_full(client, auth, forum_thread) -> None:
    params = {"q": "物业"}
    viewer = client.get(SEARCH, params=params, headers=auth("viewer")).json()
    operator = client.get(SEARCH, params=params, headers=auth("operator")).json()
    dispatch = client.get(SEARCH, params=params, headers=auth("dispatch")).json()
    viewer_text = viewer["hits"][0]["post"]["text"] + viewer["hits"][0]["highlights"].get("text", "")
    assert "13812345678" not in viewer_text and "138****5678" in viewer_text
    assert "330402199001011234" not in viewer_text and "330402********1234" in viewer_text
    assert "13812345678" in operator["hits"][0]["post"]["text"]
    assert "13812345678" not in dispatch["hits"][0]["post"]["text"]
    detail = client.get(f"/api/v1/posts/{forum_thread[3]}", headers=auth("viewer")).json()
    assert "138****5678" in detail["post"]["text"]
    full = client.get(f"/api/v1/posts/{forum_thread[3]}", headers=auth("admin")).json()
    assert "13812345678" in full["post"]["text"]


def test_every_search_is_audited(client, runtime, auth, forum_thread) -> None:
    client.get(SEARCH, params={"q": "电梯", "district": "南湖区", "since": "2025-06-01"}, headers=auth("viewer"))
    client.get(SEARCH, params={"q": "积水"}, headers=auth("operator"))
    with runtime.store.session() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "search")
                                       .order_by(AuditEntry.id)))
    assert [(e.actor, e.detail["query"]) for e in entries] == [("viewer-key", "电梯"), ("operator-key", "积水")]
    assert entries[0].detail["filters"]["district"] == "南湖区"
    assert entries[0].detail["filters"]["since"].startswith("2025-06-01T00:00:00+08:00")
    assert entries[0].detail["total"] == 2


@pytest.mark.parametrize("params, fragment", [
    ({"size": 51}, "size"),
    ({"size": 0}, "size"),
    ({"page": 0}, "page"),
    ({"page": 1000, "size": 50}, "page"),
    ({"q": "电" * 101}, "limit is 100"),
    ({"sort": "random"}, "sort"),
    ({"since": "yesterday"}, "since"),
    ({"since": "2025-06-03", "until": "2025-06-01"}, "since is after until"),
    ({"lat": 30.7}, "geo filter"),
    ({"lat": 91, "lon": 120, "radius_m": 100}, "lat"),
    ({"facets": "level1,password"}, "facets"),
    ({"category": "a/b/c/d"}, "category"),
    ({"q": '"电梯'}, "unclosed quote"),
    ({"q": "电梯 OR"}, "OR"),
    ({"is_complaint": "maybe"}, "is_complaint"),
])
def test_bad_parameters_are_422(client, auth, forum_thread, params, fragment) -> None:
    response = client.get(SEARCH, params=params, headers=auth("viewer"))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and "\n" not in detail
    assert fragment in detail


def test_post_not_found_and_bad_id(client, auth) -> None:
    assert client.get("/api/v1/posts/999999", headers=auth("viewer")).status_code == 404
    assert client.get("/api/v1/posts/abc", headers=auth("viewer")).status_code == 422


def test_forum_floor_context(client, auth, forum_thread) -> None:
    body = client.get(f"/api/v1/posts/{forum_thread[3]}", params={"width": 1}, headers=auth("operator")).json()
    assert body["post"]["floor"] == 3
    assert body["thread"]["id"] == forum_thread[1]
    assert body["parent"] is None
    assert [p["floor"] for p in body["neighbours"]] == [2, 4]
    wide = client.get(f"/api/v1/posts/{forum_thread[3]}", params={"width": 5}, headers=auth("operator")).json()
    # The first floor is shown as the thread, not repeated among the neighbours.
    assert [p["floor"] for p in wide["neighbours"]] == [2, 4, 5]


def test_thread_context_lists_first_replies(client, auth, forum_thread) -> None:
    body = client.get(f"/api/v1/posts/{forum_thread[1]}", headers=auth("operator")).json()
    assert body["thread"] is None
    assert [p["floor"] for p in body["neighbours"]] == [2, 3, 4, 5]


def test_video_comment_context(client, auth, video_comments) -> None:
    reply = client.get(f"/api/v1/posts/{video_comments['r1']}", headers=auth("viewer")).json()
    assert reply["thread"]["id"] == video_comments["video"]
    assert reply["parent"]["id"] == video_comments["c1"]
    comment = client.get(f"/api/v1/posts/{video_comments['c2']}", headers=auth("viewer")).json()
    assert comment["thread"]["id"] == video_comments["video"]
    assert comment["parent"] is None
    assert [p["id"] for p in comment["neighbours"]] == [video_comments["c1"]]


def test_default_page_size_respects_a_small_limit(client, app, auth, forum_thread) -> None:
    app.state.runtime.settings.search.max_page_size = 3
    body = client.get(SEARCH, headers=auth("viewer")).json()
    assert body["size"] == 3 and len(body["hits"]) == 3 and body["total"] == 5
