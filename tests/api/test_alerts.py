"""The alert pull feed (cursor), acknowledgements, deliveries, and the live SSE stream."""
from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import httpx
import pytest
import uvicorn

from index.models import Delivery

from .conftest import add_alert


def test_pull_feed_cursor(client, runtime, auth) -> None:
    ids = [add_alert(runtime, f"warning:k{n}", title=f"预警 {n}") for n in range(5)]
    first = client.get("/api/v1/alerts", params={"limit": 3}, headers=auth("viewer")).json()
    assert [a["id"] for a in first["items"]] == ids[:3]
    rest = client.get("/api/v1/alerts", params={"after": first["next_cursor"]}, headers=auth("viewer")).json()
    assert [a["id"] for a in rest["items"]] == ids[3:]
    empty = client.get("/api/v1/alerts", params={"after": rest["next_cursor"]}, headers=auth("viewer")).json()
    assert empty == {"items": [], "next_cursor": ids[-1]}
    late = add_alert(runtime, "warning:late")
    assert [a["id"] for a in client.get("/api/v1/alerts", params={"after": empty["next_cursor"]},
                                        headers=auth("viewer")).json()["items"]] == [late]
    assert client.get("/api/v1/alerts", params={"after": -1}, headers=auth("viewer")).status_code == 422


def test_feed_type_filter_and_masking(client, runtime, auth) -> None:
    add_alert(runtime, "spike:1", type="spike", title="激增")
    add_alert(runtime, "warning:phone", title="居民留电话13812345678")
    spikes = client.get("/api/v1/alerts", params={"type": "spike"}, headers=auth("viewer")).json()["items"]
    assert [a["type"] for a in spikes] == ["spike"]
    viewer = client.get("/api/v1/alerts", params={"type": "warning"}, headers=auth("viewer")).json()["items"][0]
    assert viewer["title"] == "居民留电话138****5678" and viewer["payload"]["note"] == "居民留电话138****5678"
    operator = client.get("/api/v1/alerts", params={"type": "warning"}, headers=auth("operator")).json()["items"][0]
    assert operator["title"] == "居民留电话13812345678"


def test_ack(client, runtime, auth) -> None:
    alert_id = add_alert(runtime, "warning:ack")
    assert client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth("viewer")).status_code == 403
    acked = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth("operator")).json()
    assert acked["acked_by"] == "operator-key" and acked["acked_at"]
    again = client.post(f"/api/v1/alerts/{alert_id}/ack", headers=auth("dispatch")).json()
    assert again["acked_by"] == "operator-key"
    assert client.post("/api/v1/alerts/99999/ack", headers=auth("operator")).status_code == 404


def test_deliveries_and_dead_letter_retry(client, runtime, auth) -> None:
    alert_id = add_alert(runtime, "warning:deliv")
    now = datetime.now(timezone.utc)
    with runtime.store.session() as session:
        for status in ("delivered", "dead"):
            session.add(Delivery(alert_id=alert_id, webhook="http://127.0.0.1:9/hook", order_key="k", status=status,
                                 attempts=7, next_attempt_at=now, created_at=now, last_error="connection refused"))
    page = client.get("/api/v1/deliveries", headers=auth("dispatch")).json()
    assert page["counts"] == {"pending": 0, "delivered": 1, "dead": 1}
    dead = client.get("/api/v1/deliveries", params={"status": "dead"}, headers=auth("dispatch")).json()["items"]
    assert len(dead) == 1 and dead[0]["last_error"] == "connection refused"
    retried = client.post(f"/api/v1/deliveries/{dead[0]['id']}/retry", headers=auth("dispatch")).json()
    assert retried["status"] == "pending"
    assert client.post(f"/api/v1/deliveries/{dead[0]['id']}/retry", headers=auth("dispatch")).status_code == 409


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1 in a thread; stopped through the server's own exit flag."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


def _read_events(response: httpx.Response, count: int) -> list[dict]:
    events, current = [], {}
    for line in response.iter_lines():
        if not line:
            if "data" in current:
                events.append(current)
                if len(events) == count:
                    break
            current = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            current[name] = value.strip()
    return events


def test_sse_stream_delivers_new_alert(live_server, runtime, keys) -> None:
    add_alert(runtime, "warning:before")  # already there: a fresh stream starts after it
    headers = {"Authorization": f"Bearer {keys['viewer']}"}
    later = threading.Timer(1.0, lambda: add_alert(runtime, "warning:live", title="实时预警 13812345678"))
    with httpx.Client(timeout=30) as http:
        with http.stream("GET", f"{live_server}/api/v1/alerts/stream", params={"max_events": 1},
                         headers=headers) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            later.start()
            events = _read_events(response, 1)
    later.join()
    assert events[0]["event"] == "alert"
    body = json.loads(events[0]["data"])
    assert body["title"] == "实时预警 138****5678"  # viewers get the masked feed here too
    assert events[0]["id"] == str(body["id"])


def test_sse_resumes_from_last_event_id(live_server, runtime, keys) -> None:
    ids = [add_alert(runtime, f"warning:r{n}") for n in range(4)]
    headers = {"Authorization": f"Bearer {keys['viewer']}", "Last-Event-ID": str(ids[1])}
    with httpx.Client(timeout=30) as http:
        with http.stream("GET", f"{live_server}/api/v1/alerts/stream", params={"max_events": 2, "after": 0},
                         headers=headers) as response:
            events = _read_events(response, 2)
    assert [int(e["id"]) for e in events] == ids[2:]
    with httpx.Client(timeout=30) as http:
        bad = http.get(f"{live_server}/api/v1/alerts/stream",
                       headers={"Authorization": f"Bearer {keys['viewer']}", "Last-Event-ID": "abc"})
        assert bad.status_code == 422
        assert http.get(f"{live_server}/api/v1/alerts/stream").status_code == 401


def test_webhooks_view_hides_secrets(client, runtime, auth) -> None:
    from cases.config import WebhookConfig

    runtime.settings.webhooks = [WebhookConfig(url="http://127.0.0.1:9/hook", secret="s3cret", types=["warning"])]
    alert_id = add_alert(runtime, "warning:wh")
    now = datetime.now(timezone.utc)
    with runtime.store.session() as session:
        session.add(Delivery(alert_id=alert_id, webhook="http://127.0.0.1:9/hook", order_key="k", status="dead",
                             attempts=3, next_attempt_at=now, created_at=now))
    hooks = client.get("/api/v1/webhooks", headers=auth("dispatch")).json()
    assert hooks == [{"url": "http://127.0.0.1:9/hook", "types": ["warning"], "max_age_h": 24, "signed": True,
                      "pending": 0, "delivered": 0, "dead": 1}]
    assert client.get("/api/v1/webhooks", headers=auth("viewer")).status_code == 403
