"""Two crawl workers share one Redis frontier: together they fetch every page exactly once."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
import yaml

from api.settings import ConfigError, load_settings
from crawlers.frontier import frontier_settings, job_prefix
from crawlers.run import run_crawl
from crawlers.sources import CrawlConfig
from demo.forum import Faults
from demo.forum.state import BoardSpec
from tests.crawlers.conftest import expected_floors, stored_posts

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 36), BoardSpec(5, "秀洲生活", "gbk", False, 12))


def test_frontier_settings_need_a_redis_url() -> None:
    assert frontier_settings(CrawlConfig()) == {}
    with pytest.raises(ConfigError, match="redis_url is not set"):
        frontier_settings(CrawlConfig(frontier="redis"))
    settings = frontier_settings(CrawlConfig(frontier="redis", redis_url="redis://127.0.0.1:1/0"))
    assert settings["SCHEDULER"] == "crawlers.frontier.RedisFrontier"


def _settings(tmp_path: Path, redis_url: str, boards: list[str]):
    config = {
        "home": str(tmp_path / "home"),
        "crawl": {"autothrottle": False, "concurrency_per_domain": 2, "frontier": "redis", "redis_url": redis_url},
        "sources": [{"id": "hc", "kind": "discuz", "name": "禾城论坛", "boards": boards, "max_pages": 20}],
    }
    path = tmp_path / "hc.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return load_settings(path)


@pytest.mark.slow
@pytest.mark.redis
def test_two_workers_share_one_frontier_without_a_duplicate_fetch(redis_url, forum_factory, tmp_path) -> None:
    from redis import Redis

    # Every page is a little slow, so both workers are still busy when the other starts.
    forum = forum_factory(boards=BOARDS, threads_per_page=8, seed=4, faults=Faults(slow_rate=1.0, slow_s=0.25))
    state = forum.state
    settings = _settings(tmp_path, redis_url, [forum.board_url(2), forum.board_url(5, rewrite=False)])
    summaries: list[dict] = []

    def worker() -> None:
        summaries.append(run_crawl(settings, "hc", timeout_s=300))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A failed run's error lines, short enough to survive pytest's truncation.
    logs = {s.get("log"): [line[:300] for line in Path(s["log"]).read_text(encoding="utf-8").splitlines()
                           if "ERROR" in line][-8:]
            for s in summaries if s["status"] != "ok" and s.get("log")}
    assert [s["status"] for s in summaries] == ["ok", "ok"], (logs, summaries)
    pages = {key: n for key, n in state.hits.items() if key.startswith(("list:", "thread:"))}
    twice = {key: n for key, n in pages.items() if n > 1}
    assert not twice, f"fetched more than once: {twice}"
    # Both workers did a real share of the work (neither hoards the queue), and
    # together all of it.
    assert all(s["pages"] >= len(pages) // 10 for s in summaries), summaries
    posts = stored_posts(settings)
    assert len(posts) == len({p.external_id for p in posts})
    assert {p.external_id for p in posts} == set(expected_floors(state))
    assert sum(s["new_posts"] for s in summaries) == len(posts)
    # The last worker to leave cleared the job, so the next run fetches the boards again.
    keys = Redis.from_url(redis_url).keys("minsheng:frontier:discuz:hc:*")
    assert keys == [], keys

    state.grow(threads=1, replies=2)
    again = run_crawl(settings, "hc", timeout_s=300)
    assert again["status"] == "ok" and again["new_posts"] >= 3, again


def test_job_prefix_names_the_source() -> None:
    class Spider:
        name, source_id = "discuz", "jx9qu"
    assert job_prefix(Spider()) == "minsheng:frontier:discuz:jx9qu"
