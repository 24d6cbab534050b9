"""Sources, crawl runs, crawl-now/pause/resume, reload hooks, metrics, audit log, OpenAPI docs."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from .conftest import add_alert


class RecordingScheduler:
    """Stands in for the service's CrawlScheduler hook on app.state (the service is not started here)."""

    def __init__(self) -> None:
        self.queued: list[tuple[str, str]] = []
        self.running: set[str] = set()

    def crawl_now(self, source_id: str, trigger: str = "manual") -> None:
        self.queued.append((source_id, trigger))


def _runs(runtime) -> None:
    start = datetime(2025, 6, 2, 8, 0, tzinfo=timezone.utc)
    for n, status in enumerate(("ok", "failed", "ok")):
        run_id = runtime.store.start_run("forum", "discuz", trigger="schedule", pid=None, now=start + timedelta(hours=n))
        runtime.store.finish_run(run_id, status=status, now=start + timedelta(hours=n, minutes=5),
                                 counters={"pages": 10, "items": 40, "new_posts": 7, "errors": int(status != "ok")})


def test_sources_and_crawls(client, runtime, auth) -> None:
    _runs(runtime)
    sources = client.get("/api/v1/sources", headers=auth("viewer")).json()
    assert [s["id"] for s in sources] == ["forum", "video"]
    forum = sources[0]
    assert forum["last_status"] == "ok" and abs(forum["error_rate"] - 1 / 3) < 1e-9
    runs = client.get("/api/v1/crawls", params={"source": "forum", "limit": 2}, headers=auth("viewer")).json()
    assert [r["status"] for r in runs] == ["ok", "failed"]
    assert client.get("/api/v1/crawls", params={"source": "bad id!"}, headers=auth("viewer")).status_code == 422


def test_pause_resume_and_crawl_now(app, client, auth) -> None:
    paused = client.post("/api/v1/sources/forum/pause", headers=auth("admin"))
    assert paused.status_code == 200
    assert client.get("/api/v1/sources", headers=auth("viewer")).json()[0]["paused"] is True
    client.post("/api/v1/sources/forum/resume", headers=auth("admin"))
    assert client.get("/api/v1/sources", headers=auth("viewer")).json()[0]["paused"] is False
    assert client.post("/api/v1/sources/nope/pause", headers=auth("admin")).status_code == 404
    no_scheduler = client.post("/api/v1/sources/forum/crawl", headers=auth("admin"))
    assert no_scheduler.status_code == 503
    app.state.scheduler = scheduler = RecordingScheduler()
    queued = client.post("/api/v1/sources/forum/crawl", headers=auth("admin"))
    assert queued.status_code == 202 and scheduler.queued == [("forum", "manual")]
    scheduler.running.add("forum")
    busy = client.post("/api/v1/sources/forum/crawl", headers=auth("admin")).json()
    assert busy["detail"]["already_running"] is True and len(scheduler.queued) == 1


def test_reload_hook(app, client, auth) -> None:
    assert client.post("/api/v1/admin/reload", headers=auth("admin")).status_code == 503
    calls = []
    app.state.reload = lambda: calls.append(1)
    assert client.post("/api/v1/admin/reload", headers=auth("admin")).status_code == 200
    assert calls == [1]
    from api.settings import ConfigError

    def broken() -> None:
        raise ConfigError("minsheng.yaml: sources.0.kind: Input tag 'ftp' does not match")
    app.state.reload = broken
    refused = client.post("/api/v1/admin/reload", headers=auth("admin"))
    assert refused.status_code == 422 and "ftp" in refused.json()["detail"]


def test_metrics(client, runtime, auth, forum_thread) -> None:
    _runs(runtime)
    add_alert(runtime, "warning:m1")
    text = client.get("/metrics", headers=auth("viewer")).text
    assert 'minsheng_posts{source="forum"} 5.0' in text
    assert 'minsheng_crawl_pages_total{source="forum"} 30.0' in text
    assert 'minsheng_crawl_runs{source="forum",status="failed"} 1.0' in text
    assert 'minsheng_alerts{type="warning"} 1.0' in text
    assert "minsheng_delivery_lag_seconds 0.0" in text
    assert 'minsheng_http_requests_total{method="GET",route="/api/v1/sources",status="200"}' not in text
    client.get("/api/v1/sources", headers=auth("viewer"))
    again = client.get("/metrics", headers=auth("viewer")).text
    assert 'minsheng_http_requests_total{method="GET",route="/api/v1/sources",status="200"} 1.0' in again


def test_audit_log_view(client, auth, forum_thread) -> None:
    client.get("/api/v1/posts/search", params={"q": "电梯"}, headers=auth("viewer"))
    client.post("/api/v1/sources/forum/pause", headers=auth("admin"))
    entries = client.get("/api/v1/admin/audit", headers=auth("admin")).json()
    assert [(e["actor"], e["action"]) for e in entries[:2]] == [("admin-key", "source.pause"), ("viewer-key", "search")]
    only = client.get("/api/v1/admin/audit", params={"actor": "viewer-key"}, headers=auth("admin")).json()
    assert {e["action"] for e in only} == {"search"}


def test_openapi_docs_offline(client) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/posts/search" in spec["paths"] and "/api/v1/cases/{case_id}/transition" in spec["paths"]
    assert spec["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    page = client.get("/docs")
    assert page.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "<script>" not in page.text
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
