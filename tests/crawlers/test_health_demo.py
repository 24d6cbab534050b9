"""Health rules against the demo sites' fault switches: empty board, changed template, 429 storms."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from api.settings import load_settings
from crawlers.health import check_health, source_overview
from crawlers.run import run_crawl
from demo.forum import Faults
from demo.forum.state import BoardSpec
from index.models import Alert
from index.store import Store

pytestmark = pytest.mark.slow

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 10), BoardSpec(5, "秀洲生活", "gbk", False, 6))
FAST = {"RETRY_BACKOFF_BASE_S": 0.1, "DOWNLOAD_TIMEOUT": 5}


def settings_for(tmp_path: Path, source: dict, **health) -> object:
    config = {"home": str(tmp_path / "home"), "crawl": {"autothrottle": False, "concurrency_per_domain": 8},
              "health": {"silence_min_s": 1, **health}, "sources": [source]}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return load_settings(path)


def forum_source(forum) -> dict:
    return {"id": "hc", "kind": "discuz", "name": "禾城论坛", "boards": [forum.board_url(2), forum.board_url(5, rewrite=False)]}


def crawl(settings, **kwargs) -> dict:
    summary = run_crawl(settings, settings.sources[0].id, timeout_s=300, scrapy_settings=FAST, **kwargs)
    assert summary["status"] in ("ok", "partial", "failed"), summary
    return summary


def health_alerts(settings) -> list[Alert]:
    store = Store(settings.effective_database_url)
    try:
        with store.session() as session:
            return list(session.scalars(select(Alert).where(Alert.type == "source_health")))
    finally:
        store.close()


def rules(results) -> set[str]:
    return {finding.rule for _, finding, _ in results}


def test_an_emptied_board_raises_silence(forum_factory, tmp_path) -> None:
    forum = forum_factory(boards=BOARDS, seed=2)
    settings = settings_for(tmp_path, forum_source(forum))
    store = Store(settings.effective_database_url)
    for _ in range(3):  # a source that yields on every run
        assert crawl(settings)["new_posts"] > 0
        forum.state.grow(threads=1, replies=2)
    forum.state.faults.update({"empty_boards": [2, 5]})
    quiet = [crawl(settings) for _ in range(2)]
    assert [(s["status"], s["new_posts"]) for s in quiet] == [("ok", 0), ("ok", 0)]  # 尚无主题: no parse error
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    assert rules(check_health(store, settings, now=later)) == {"silence"}
    [alert] = health_alerts(settings)
    assert alert.rule_id == "silence" and alert.source_id == "hc" and "静默" in alert.title
    forum.state.faults.update({"empty_boards": []})
    assert crawl(settings)["new_posts"] > 0  # the posts hidden meanwhile arrive
    assert check_health(store, settings, now=datetime.now(timezone.utc)) == []
    store.close()


def test_a_changed_template_raises_template_drift(forum_factory, tmp_path) -> None:
    forum = forum_factory(boards=BOARDS, seed=3)
    settings = settings_for(tmp_path, forum_source(forum))
    store = Store(settings.effective_database_url)
    assert crawl(settings)["status"] == "ok"
    assert check_health(store, settings) == []
    forum.state.faults.update({"changed_template": True})
    forum.state.grow(threads=2)
    drifted = [crawl(settings) for _ in range(2)]
    assert all(s["pages"] > 0 and s["items"] == 0 and s["errors"] > 0 for s in drifted), drifted
    # The crawl's log: one JSON event per line, the parse errors carrying source and run id.
    events = [json.loads(line) for line in Path(drifted[-1]["log"]).read_text(encoding="utf-8").splitlines()
              if line.startswith("{\"")]
    errors = [e for e in events if e["level"] == "ERROR" and "parse error" in e["msg"]]
    assert errors and all(e["source"] == "hc" and e["run_id"] == drifted[-1]["run_id"] for e in errors)
    assert rules(check_health(store, settings)) == {"template_drift"}
    overview = source_overview(store, settings.sources, health=settings.health)
    assert overview[0]["health"]["status"] == "critical"
    assert overview[0]["health"]["problems"][0]["name"] == "模板变化"
    store.close()


def test_a_429_storm_on_the_forum_raises_access_wall(forum_factory, tmp_path) -> None:
    forum = forum_factory(boards=BOARDS, seed=4, faults=Faults(throttle_rate=1.0, retry_after_s=1))
    settings = settings_for(tmp_path, forum_source(forum))
    store = Store(settings.effective_database_url)
    summary = crawl(settings)
    assert summary["new_posts"] > 0  # retries got the pages in the end ...
    found = check_health(store, settings)
    assert rules(found) == {"access_wall"}  # ... but half the answers were 429: someone must look
    assert "403/429" in found[0][1].title
    store.close()


def test_a_429_storm_and_a_coverage_drop_on_the_video_site(tmp_path) -> None:
    from demo.content import DemoWriter
    from demo.video.server import VideoSiteServer, build_state
    from demo.video.state import Faults as VideoFaults

    gazetteer = Path(__file__).resolve().parents[2] / "demo" / "data" / "gazetteer.csv"
    state = build_state(DemoWriter(gazetteer, None, 5), videos=2, comments_per_video=60, seed=5,
                        faults=VideoFaults(rate_limit_every=1, retry_after_s=0))
    with VideoSiteServer(state) as site:
        source = {"id": "dy", "kind": "douyin", "mode": "api", "name": "短视频", "max_comments": 20,
                  "videos": [f"{site.url}/video/{aweme}" for aweme in state.videos]}
        settings = settings_for(tmp_path, source)
        store = Store(settings.effective_database_url)
        crawl(settings)  # every comment-API answer is a 429
        assert rules(check_health(store, settings)) == {"access_wall"}
        state.faults.update({"rate_limit_every": 0})
        crawl(settings)  # answers again, but max_comments stops it at 20 of 60 a video
        found = check_health(store, settings)
        assert rules(found) == {"coverage_drop"}, [f.title for _, f, _ in found]
        assert {a.rule_id for a in health_alerts(settings)} == {"access_wall", "coverage_drop"}
        store.close()
