"""The scheduler driving real crawl subprocesses against the demo forum.

Cron ticks are fired at once through APScheduler (``next_run_time=now``) instead of
waiting for the next minute: scheduled runs, an overlapping tick, pause and resume,
and a restart that closes the interrupted run and resumes from the incremental state.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from crawlers.health import set_paused
from crawlers.run import REPO_ROOT, run_crawl
from crawlers.scheduler import CrawlScheduler
from demo.forum import Faults
from demo.forum.state import BoardSpec
from index.models import CrawlRun, Post
from index.store import Store
from tests.crawlers.conftest import expected_floors, stored_posts

pytestmark = pytest.mark.slow

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 12), BoardSpec(5, "秀洲生活", "gbk", False, 6))


def wait_for(predicate, timeout: float = 120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def statuses(store: Store) -> list[tuple[str, str]]:
    with store.session() as session:
        return [(r.status, r.trigger) for r in session.scalars(select(CrawlRun).order_by(CrawlRun.id))]


def fire(scheduler: CrawlScheduler, source_id: str) -> None:
    """Make the source's cron job due now (what the next minute would do)."""
    scheduler._scheduler.get_job(f"crawl:{source_id}").modify(next_run_time=datetime.now(timezone.utc))


def test_scheduled_runs_overlap_skip_pause_and_resume(forum_factory, crawl_settings) -> None:
    # Slow pages keep a run going long enough for a second tick to find it running.
    forum = forum_factory(boards=BOARDS, threads_per_page=6, seed=6, faults=Faults(slow_rate=1.0, slow_s=0.3))
    # Ticks come only from fire(): with "* * * * *" a minute boundary during the slow
    # crawl added a tick of its own (one more "skipped" than the test expects).
    settings = crawl_settings([forum.board_url(2), forum.board_url(5, rewrite=False)], schedule="0 0 1 1 *")
    store = Store(settings.effective_database_url)
    scheduler = CrawlScheduler(settings, store, run_crawl)
    scheduler.start()
    try:
        fire(scheduler, "hc")
        assert wait_for(lambda: "hc" in scheduler.running)
        assert wait_for(lambda: ("running", "schedule") in statuses(store))
        fire(scheduler, "hc")  # the overlapping tick
        assert wait_for(lambda: ("skipped", "schedule") in statuses(store), 30)
        assert wait_for(lambda: "hc" not in scheduler.running)
        assert statuses(store) == [("ok", "schedule"), ("skipped", "schedule")] or \
            statuses(store) == [("skipped", "schedule"), ("ok", "schedule")]
        assert {p.external_id for p in stored_posts(settings)} == set(expected_floors(forum.state))

        set_paused(store, settings.source("hc"), True)
        fire(scheduler, "hc")
        time.sleep(2)
        assert len(statuses(store)) == 2 and "hc" not in scheduler.running  # paused: the tick did nothing
        set_paused(store, settings.source("hc"), False)
        forum.state.grow(threads=1)
        fire(scheduler, "hc")
        assert wait_for(lambda: len(statuses(store)) == 3 and "hc" not in scheduler.running)
        assert statuses(store)[-1] == ("ok", "schedule")
        assert {p.external_id for p in stored_posts(settings)} == set(expected_floors(forum.state))
    finally:
        scheduler.shutdown()
        store.close()


def test_restart_closes_the_interrupted_run_and_resumes(forum_factory, crawl_settings) -> None:
    boards = (BoardSpec(2, "南湖民生", "utf-8", True, 30), BoardSpec(5, "秀洲生活", "gbk", False, 12))
    forum = forum_factory(boards=boards, threads_per_page=8, seed=8)
    settings = crawl_settings([forum.board_url(2), forum.board_url(5, rewrite=False)], batch=10,
                              schedule="0 3 * * *")
    store = Store(settings.effective_database_url)
    # The service dies mid-crawl: its crawl is killed and nobody closes the run.
    env = {**os.environ, "MINSHENG_CONFIG": str(settings.config_path)}
    crawl = subprocess.Popen([sys.executable, "-m", "scrapy", "crawl", "discuz", "-a", "source=hc",
                              "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0.05"],
                             cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stored() -> int:
        with store.session() as session:
            return session.scalar(select(func.count()).select_from(Post)) or 0
    assert wait_for(lambda: stored() >= 20 or crawl.poll() is not None)
    assert crawl.poll() is None, "the crawl finished before the service 'died'"
    os.kill(crawl.pid, signal.SIGKILL)
    crawl.wait(30)
    assert statuses(store) == [("running", "manual")]

    scheduler = CrawlScheduler(settings, store, run_crawl)
    scheduler.start()  # the restart
    try:
        assert statuses(store) == [("interrupted", "manual")]
        fire(scheduler, "hc")
        assert wait_for(lambda: len(statuses(store)) == 2 and "hc" not in scheduler.running)
    finally:
        scheduler.shutdown()
    assert statuses(store)[-1] == ("ok", "schedule")
    posts = stored_posts(settings)
    assert len(posts) == len({p.external_id for p in posts})
    assert {p.external_id for p in posts} == set(expected_floors(forum.state))
    store.close()
