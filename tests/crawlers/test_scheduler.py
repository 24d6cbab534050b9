"""The crawl scheduler with a stand-in crawl function: overlap, pause, bounds, restarts."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select

from api.settings import load_settings
from crawlers.health import set_paused
from crawlers.scheduler import CrawlScheduler, close_interrupted_runs
from index.models import CrawlRun
from index.store import Store

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=timezone.utc)


def settings_with(tmp_path: Path, sources: int = 2, parallel: int = 1, schedule: str = "* * * * *") -> Any:
    lines = ["sources:"]
    for i in range(sources):
        lines += [f"  - {{id: s{i}, kind: discuz, boards: ['http://127.0.0.1:1/forum-2-1.html'], schedule: '{schedule}'}}"]
    path = tmp_path / "c.yaml"
    path.write_text(f"home: {tmp_path}\ncrawl: {{max_parallel_runs: {parallel}}}\n" + "\n".join(lines) + "\n")
    return load_settings(path)


class SlowCrawl:
    """Stands in for run_crawl: records calls and overlaps, blocks until released."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls: list[str] = []
        self.active = 0
        self.max_active = 0
        self.lock = threading.Lock()

    def __call__(self, settings: Any, source_id: str, **kwargs: Any) -> dict[str, Any]:
        with self.lock:
            self.calls.append(source_id)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        self.release.wait(5)
        with self.lock:
            self.active -= 1
        return {"source": source_id, "status": "ok"}


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_overlapping_tick_is_skipped_and_recorded(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, sources=1)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    crawl = SlowCrawl()
    scheduler = CrawlScheduler(settings, store, crawl, clock=lambda: NOW)
    first = threading.Thread(target=scheduler.tick, args=["s0", "schedule"])
    first.start()
    assert wait_for(lambda: crawl.calls == ["s0"])
    assert scheduler.tick("s0", "schedule") is None  # the overlapping tick
    crawl.release.set()
    first.join()
    with store.session() as session:
        skipped = list(session.scalars(select(CrawlRun).where(CrawlRun.status == "skipped")))
    assert crawl.calls == ["s0"] and len(skipped) == 1 and skipped[0].source_id == "s0"


def test_parallel_runs_are_bounded(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, sources=3, parallel=2)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    crawl = SlowCrawl()
    scheduler = CrawlScheduler(settings, store, crawl)
    threads = [threading.Thread(target=scheduler.tick, args=[f"s{i}", "manual"]) for i in range(3)]
    for thread in threads:
        thread.start()
    assert wait_for(lambda: len(crawl.calls) == 2)
    time.sleep(0.2)
    assert len(crawl.calls) == 2  # the third waits for a slot
    crawl.release.set()
    for thread in threads:
        thread.join()
    assert sorted(crawl.calls) == ["s0", "s1", "s2"] and crawl.max_active == 2


def test_paused_source_is_not_crawled_on_schedule(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, sources=1)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    crawl = SlowCrawl()
    crawl.release.set()
    scheduler = CrawlScheduler(settings, store, crawl)
    set_paused(store, settings.source("s0"), True)
    assert scheduler.tick("s0", "schedule") is None and crawl.calls == []
    scheduler.tick("s0", "manual")  # an explicit crawl-now still runs
    set_paused(store, settings.source("s0"), False)
    scheduler.tick("s0", "schedule")
    assert crawl.calls == ["s0", "s0"]


def test_scheduled_runs_happen(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, sources=1, schedule="* * * * *")
    store = Store(f"sqlite:///{tmp_path}/s.db")
    crawl = SlowCrawl()
    crawl.release.set()
    scheduler = CrawlScheduler(settings, store, crawl)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("crawl:s0")
        assert job is not None and job.next_run_time is not None
        job.modify(next_run_time=datetime.now(timezone.utc))  # fire now instead of at the next minute
        assert wait_for(lambda: crawl.calls == ["s0"])
    finally:
        scheduler.shutdown()


def test_restart_closes_interrupted_runs(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    run_id = store.start_run("s0", "discuz", trigger="schedule", pid=12345, now=NOW)
    assert close_interrupted_runs(store, now=NOW) == 1
    with store.session() as session:
        assert session.get(CrawlRun, run_id).status == "interrupted"
    assert close_interrupted_runs(store, now=NOW) == 0
