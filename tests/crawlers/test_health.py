"""Health checks over the store: alerts through the outbox, idempotent, shown per source."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from api.settings import load_settings
from crawlers.health import check_health, set_paused, source_overview
from index.models import Alert, Delivery
from index.store import Store

T0 = datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings(None, home=tmp_path / "home", sources=[
        {"id": "forum", "kind": "discuz", "name": "南湖论坛", "boards": ["http://127.0.0.1:9/forum-2-1.html"]},
        {"id": "video", "kind": "douyin", "name": "短视频", "videos": ["7000000000000000001"]},
        {"id": "hotline", "kind": "hotline", "name": "热线"},
    ], webhooks=[{"url": "http://127.0.0.1:9/hook", "types": ["source_health"]},
                 {"url": "http://127.0.0.1:9/cases", "types": ["new_case"]}], health={"silence_min_s": 600})


@pytest.fixture
def store(settings):
    store = Store(settings.effective_database_url)
    yield store
    store.close()


def add_runs(store: Store, source: str, runs: list[tuple[str, int]], *, start: datetime = T0, kind: str = "discuz",
             stats: dict | None = None) -> None:
    for n, (status, new_posts) in enumerate(runs):
        at = start + timedelta(minutes=10 * n)
        run_id = store.start_run(source, kind, trigger="schedule", pid=None, now=at)
        store.finish_run(run_id, status=status, now=at + timedelta(minutes=1),
                         counters={"pages": 5, "items": new_posts, "new_posts": new_posts, "errors": 0},
                         stats=stats or {})


def alerts(store: Store) -> list[Alert]:
    with store.session() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_failures_raise_one_alert_per_episode_with_deliveries(settings, store) -> None:
    add_runs(store, "forum", [("ok", 3), ("failed", 0), ("failed", 0), ("timeout", 0)])
    now = T0 + timedelta(hours=1)
    results = check_health(store, settings, now=now)
    assert [(sid, f.rule, raised) for sid, f, raised in results] == [("forum", "failures", True)]
    again = check_health(store, settings, now=now + timedelta(minutes=30))
    assert [raised for _, _, raised in again] == [False]  # same episode: no second alert
    [alert] = alerts(store)
    assert (alert.type, alert.source_id, alert.rule_id, alert.level) == ("source_health", "forum", "failures", "critical")
    assert alert.payload["consecutive"] == 3 and alert.event_time == T0 + timedelta(minutes=10)
    with store.session() as session:
        hooks = [d.webhook for d in session.scalars(select(Delivery))]
    assert hooks == ["http://127.0.0.1:9/hook"]  # only the webhook subscribed to source_health
    # Recovery, then a new failure streak: a new episode, a new alert.
    add_runs(store, "forum", [("ok", 1)] + [("failed", 0)] * 3, start=T0 + timedelta(hours=2))
    check_health(store, settings, now=T0 + timedelta(hours=3))
    assert len(alerts(store)) == 2


def test_paused_and_never_crawled_sources_are_left_alone(settings, store) -> None:
    add_runs(store, "forum", [("failed", 0)] * 3)
    set_paused(store, settings.source("forum"), True)
    assert check_health(store, settings, now=T0 + timedelta(hours=1)) == []
    rows = {row["id"]: row for row in source_overview(store, settings.sources, now=T0, health=settings.health)}
    assert rows["forum"]["health"] == {"status": "paused", "problems": []}
    assert rows["video"]["health"]["status"] == "ok"


def test_overview_shows_current_problems(settings, store) -> None:
    add_runs(store, "forum", [("ok", 4)] * 4 + [("ok", 0)] * 4)
    add_runs(store, "video", [("ok", 5)], kind="douyin",
             stats={"douyin/covered": 30, "douyin/total_reported": 100})
    now = T0 + timedelta(hours=3)
    rows = {row["id"]: row for row in source_overview(store, settings.sources, now=now, health=settings.health)}
    assert [p["rule"] for p in rows["forum"]["health"]["problems"]] == ["silence"]
    assert rows["forum"]["health"]["status"] == "warning"
    assert rows["video"]["health"]["problems"][0]["name"] == "覆盖率下降"
    raised = check_health(store, settings, now=now, source_ids=["video"])
    assert [(sid, f.rule) for sid, f, _ in raised] == [("video", "coverage_drop")]
