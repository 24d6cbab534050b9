"""Faults against the demo forum: retries, a broken page, a timeout, and a SIGKILL mid-crawl."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import func, select

from crawlers.run import REPO_ROOT, parse_summary, run_crawl
from demo.forum import Faults
from demo.forum.state import BoardSpec
from index.models import CrawlRun, Post
from index.store import Store
from tests.crawlers.conftest import expected_floors, stored_posts

pytestmark = pytest.mark.slow

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 14), BoardSpec(5, "秀洲生活", "gbk", False, 8))
FAST_RETRIES = {"RETRY_BACKOFF_BASE_S": 0.2, "DOWNLOAD_TIMEOUT": 2, "RETRY_TIMES": 5}


def test_500s_429s_and_timeouts_are_retried_and_a_broken_page_is_one_error(forum_factory, crawl_settings):
    faults = Faults(error_rate=0.3, error_attempts=2, throttle_rate=0.2, retry_after_s=1, slow_rate=0.1, slow_s=5)
    forum = forum_factory(boards=BOARDS, threads_per_page=6, seed=5, faults=faults)
    state = forum.state
    broken = state.boards[2].tids[3]
    faults.broken_tids = {broken}
    # Two named pages time out on their first attempt, whatever the random picks above.
    faults.slow_keys = {f"thread:{state.boards[2].tids[1]}:1", f"thread:{state.boards[5].tids[0]}:1"}
    settings = crawl_settings([forum.board_url(2), forum.board_url(5, rewrite=False)])
    summary = run_crawl(settings, "hc", timeout_s=600, scrapy_settings=FAST_RETRIES)
    assert summary["status"] == "partial" and summary["errors"] == 1, summary
    expected = {k: v for k, v in expected_floors(state).items() if not _in_thread(state, k, broken)}
    stored = {p.external_id for p in stored_posts(settings)}
    assert stored == set(expected)
    store = Store(settings.effective_database_url)
    with store.session() as session:
        run = session.get(CrawlRun, summary["run_id"])
        assert run.status == "partial" and run.errors == 1
        reasons = " ".join(k for k in run.stats if k.startswith("retry/reason_count/"))
        assert "500" in reasons and "429" in reasons and "Timeout" in reasons, reasons
    assert store.get_state("hc", f"thread:{broken}") is None  # the next run tries it again
    faults.broken_tids = set()
    faults.update({"error_rate": 0, "throttle_rate": 0, "slow_rate": 0})
    again = run_crawl(settings, "hc", timeout_s=600)
    assert again["status"] == "ok" and {p.external_id for p in stored_posts(settings)} == set(expected_floors(state))
    store.close()


def _in_thread(state, external_id: str, tid: int) -> bool:
    thread = state.threads[tid]
    return external_id == f"t{tid}" or external_id in {f"p{f.pid}" for f in thread.floors[1:]}


def test_a_run_over_its_time_limit_is_stopped_and_recorded(forum_factory, crawl_settings):
    forum = forum_factory(boards=BOARDS, seed=5, faults=Faults(slow_rate=1.0, slow_s=30))
    settings = crawl_settings([forum.board_url(2)])
    summary = run_crawl(settings, "hc", timeout_s=12, scrapy_settings={"DOWNLOAD_TIMEOUT": 60})
    assert summary["status"] == "timeout"
    store = Store(settings.effective_database_url)
    with store.session() as session:
        assert session.scalar(select(CrawlRun.status).order_by(CrawlRun.id.desc())) == "timeout"
    store.close()


def test_sigkill_midway_then_rerun_loses_and_duplicates_nothing(forum_factory, crawl_settings, tmp_path):
    boards = (BoardSpec(2, "南湖民生", "utf-8", True, 40), BoardSpec(5, "秀洲生活", "gbk", False, 20))
    forum = forum_factory(boards=boards, threads_per_page=8, seed=9)
    urls = [forum.board_url(2), forum.board_url(5, rewrite=False)]
    settings = crawl_settings(urls, batch=15)
    # The crawl entry as an operator runs it: from the repo root, config from the environment.
    env = {**os.environ, "MINSHENG_CONFIG": str(settings.config_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "discuz", "-a", "source=hc",
         "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "DOWNLOAD_DELAY=0.05"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    store = Store(settings.effective_database_url)
    deadline = time.monotonic() + 240
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        with store.session() as session:
            stored = session.scalar(select(func.count()).select_from(Post)) or 0
        if stored >= 60:
            break
        time.sleep(0.2)
    assert process.poll() is None, "the crawl finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    total = len(expected_floors(forum.state))
    assert 0 < stored < total
    with store.session() as session:
        assert session.scalar(select(CrawlRun.status)) == "running"  # killed: nobody closed it

    summary = run_crawl(settings, "hc", timeout_s=600)
    assert summary["status"] == "ok", summary
    posts = stored_posts(settings)
    assert len(posts) == len({p.external_id for p in posts}) == total

    clean = crawl_settings(urls, source_id="clean")
    assert run_crawl(clean, "clean", timeout_s=600)["status"] == "ok"
    def view(rows):
        return {(p.external_id, p.kind, p.text, p.author_name, p.published_at, p.floor) for p in rows}
    assert view(posts) == view(stored_posts(clean, "clean"))
    store.close()


def test_summary_parsing_ignores_other_output():
    out = 'noise\n{"source": "hc", "pages": 3, "items": 2, "new_posts": 2, "updated_posts": 0, "errors": 0, "status": "ok"}\n'
    assert parse_summary(out)["pages"] == 3 and parse_summary("{not json}\n") is None
