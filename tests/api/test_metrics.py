"""/metrics parses as Prometheus text and carries the crawl, ingest, alert and service numbers."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from prometheus_client.parser import text_string_to_metric_families

from api.routes.metrics import quantile
from index.models import Alert, Delivery


class StubScheduler:
    """The service's CrawlScheduler as the metrics route sees it."""

    running = {"forum"}
    waiting = 2


def families(text: str) -> dict[str, list]:
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def _activity(runtime) -> None:
    now = datetime.now(timezone.utc)
    for n, (status, minutes) in enumerate((("ok", 2), ("failed", 6), ("ok", 4))):
        start = now - timedelta(hours=3 - n)
        run_id = runtime.store.start_run("forum", "discuz", trigger="schedule", pid=None, now=start)
        runtime.store.finish_run(run_id, status=status, now=start + timedelta(minutes=minutes),
                                 counters={"pages": 10, "items": 4, "new_posts": 4, "errors": int(status != "ok")})
    with runtime.store.session() as session:
        alert = Alert(key="k1", type="warning", level="warning", title="t", payload={}, created_at=now, event_time=now)
        session.add(alert)
        session.flush()
        session.add(Delivery(alert_id=alert.id, webhook="http://127.0.0.1:9/h", order_key="x", status="delivered",
                             attempts=1, next_attempt_at=now, created_at=now - timedelta(seconds=3), delivered_at=now))


def test_metrics_parse_and_cover_the_pipeline(app, client, runtime, auth, forum_thread) -> None:
    from tests.api.conftest import add_post

    _activity(runtime)
    fresh = datetime.now(timezone.utc)
    add_post(runtime, external_id="new1", published_at=fresh - timedelta(minutes=30), fetched_at=fresh)
    app.state.scheduler = StubScheduler()
    text = client.get("/metrics", headers=auth("viewer")).text
    found = families(text)  # raises on anything that is not valid exposition text
    for name in ("minsheng_crawl_pages", "minsheng_crawl_items", "minsheng_crawl_new_posts", "minsheng_crawl_errors",
                 "minsheng_posts", "minsheng_crawl_run_duration_seconds", "minsheng_ingest_latency_seconds",
                 "minsheng_alert_delivery_latency_seconds", "minsheng_delivery_lag_seconds", "minsheng_deliveries",
                 "minsheng_crawl_queue_depth", "minsheng_crawls_running", "minsheng_source_health_problem",
                 "minsheng_crawl_last_success_timestamp_seconds"):
        assert name in found, name
    durations = {s.labels["quantile"]: s.value for s in found["minsheng_crawl_run_duration_seconds"]
                 if s.labels["source"] == "forum"}
    assert durations["0.5"] == 240.0 and durations["0.99"] == 360.0
    ingest = [s.value for s in found["minsheng_ingest_latency_seconds"] if s.labels == {"source": "forum", "quantile": "0.5"}]
    assert ingest == [1800.0]
    assert [s.value for s in found["minsheng_alert_delivery_latency_seconds"] if s.labels["quantile"] == "0.9"] == [3.0]
    assert [s.value for s in found["minsheng_crawl_queue_depth"]] == [2.0]
    assert [s.labels["source"] for s in found["minsheng_crawls_running"]] == ["forum"]
    health = {(s.labels["source"], s.labels["rule"]): s.value for s in found["minsheng_source_health_problem"]}
    assert health[("forum", "failures")] == 0.0 and len(health) == 10
    # A second scrape does not register the service collector twice.
    again = families(client.get("/metrics", headers=auth("viewer")).text)
    assert len(again["minsheng_crawl_queue_depth"]) == 1


def test_quantile_is_nearest_rank() -> None:
    assert quantile([5.0], 0.9) == 5.0
    assert quantile([4.0, 1.0, 3.0, 2.0, 5.0], 0.5) == 3.0
    assert quantile(list(range(101)), 0.99) == 99
