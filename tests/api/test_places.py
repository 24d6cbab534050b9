"""The needs-location queue over HTTP: list, resolve to a gazetteer place, dismiss."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from index.models import PlaceAlias, PlaceQuery

from .conftest import DEMO_GAZETTEER, add_post


@pytest.fixture
def settings(tmp_path):
    from api.settings import load_settings

    return load_settings(None, home=tmp_path / "home", gazetteer=str(DEMO_GAZETTEER))


def _queue(runtime, post_id: int, span: str) -> int:
    with runtime.store.session() as session:
        entry = PlaceQuery(post_id=post_id, span=span, status="open", created_at=datetime.now(timezone.utc))
        session.add(entry)
        session.flush()
        return entry.id


def test_resolve_learns_alias_and_opens_case(client, runtime, auth) -> None:
    post_id = add_post(runtime, external_id="np1", kind="thread", text="老府南那边路灯坏了，电话13812345678",
                       tag={"level1": "城乡建设", "level2": "市政设施"})
    entry_id = _queue(runtime, post_id, "老府南")
    listed = client.get("/api/v1/places/queue", headers=auth("viewer")).json()
    assert [e["id"] for e in listed] == [entry_id] and "138****5678" in listed[0]["text"]
    assert client.post(f"/api/v1/places/queue/{entry_id}/resolve", headers=auth("viewer"),
                       json={"place_id": "m001"}).status_code == 403
    bad = client.post(f"/api/v1/places/queue/{entry_id}/resolve", headers=auth("operator"), json={"place_id": "nope"})
    assert bad.status_code == 422 and "not in the gazetteer" in bad.json()["detail"]
    done = client.post(f"/api/v1/places/queue/{entry_id}/resolve", headers=auth("operator"), json={"place_id": "m001"})
    assert done.status_code == 200, done.text
    assert done.json()["place_id"] == "m001"
    assert done.json()["case_id"] in done.json()["opened"]
    with runtime.store.session() as session:
        aliases = [(a.alias, a.place_id) for a in session.query(PlaceAlias)]
    assert aliases == [("老府南", "m001")]
    again = client.post(f"/api/v1/places/queue/{entry_id}/resolve", headers=auth("operator"), json={"place_id": "m001"})
    assert again.status_code == 409
    assert client.get("/api/v1/places/queue", headers=auth("viewer")).json() == []
    hits = client.get("/api/v1/posts/search", params={"has_case": "true"}, headers=auth("viewer")).json()
    assert [h["id"] for h in hits["hits"]] == [post_id]


def test_dismiss(client, runtime, auth) -> None:
    post_id = add_post(runtime, external_id="np2", kind="thread", text="到处都是垃圾", tag={"level1": "城乡建设"})
    entry_id = _queue(runtime, post_id, "")
    assert client.post(f"/api/v1/places/queue/{entry_id}/dismiss", headers=auth("admin")).json()["status"] == "dismissed"
    assert client.post(f"/api/v1/places/queue/{entry_id}/dismiss", headers=auth("admin")).status_code == 409
    assert client.post("/api/v1/places/queue/9999/dismiss", headers=auth("admin")).status_code == 404
