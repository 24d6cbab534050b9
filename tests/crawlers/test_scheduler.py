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
        # Generous: on a loaded machine the job may start late, and if a minute boundary
        # passes meanwhile the cron fires once more; either way only s0 runs.
        assert wait_for(lambda: len(crawl.calls) >= 1, timeout=30)
        assert set(crawl.calls) == {"s0"}
    finally:
        scheduler.shutdown()


def test_restart_closes_interrupted_runs(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/s.db")
    run_id = store.start_run("s0", "discuz", trigger="schedule", pid=12345, now=NOW)
    assert close_interrupted_runs(store, now=NOW) == 1
    with store.session() as session:
        assert session.get(CrawlRun, run_id).status == "interrupted"
    assert close_interrupted_runs(store, now=NOW) == 0


class FailingCrawl:
    """Records a failed run in the store, as a crawl that cannot reach its forum would."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, settings: Any, source_id: str, **kwargs: Any) -> dict[str, Any]:
        run_id = self.store.start_run(source_id, "discuz", trigger="schedule", pid=None, now=NOW)
        self.store.finish_run(run_id, status="failed", now=NOW, counters={"errors": 1}, message="connection refused")
        return {"source": source_id, "status": "failed", "run_id": run_id}


def test_health_is_checked_after_every_run(tmp_path: Path) -> None:
    from index.models import Alert

    settings = settings_with(tmp_path, sources=1)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    scheduler = CrawlScheduler(settings, store, FailingCrawl(store), clock=lambda: NOW)
    for expected in (0, 0, 1, 1):
        scheduler.tick("s0", "schedule")
        with store.session() as session:
            found = list(session.scalars(select(Alert).where(Alert.type == "source_health")))
        assert len(found) == expected
    assert found[0].rule_id == "failures" and "connection refused" in found[0].title


def test_shutdown_stops_running_crawl_processes(tmp_path: Path) -> None:
    import subprocess
    import sys

    from crawlers.process_tree import ident, is_alive

    settings = settings_with(tmp_path, sources=1)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    seen: list[Any] = []

    def crawl(settings: Any, source_id: str, on_start: Any = None, **kwargs: Any) -> dict[str, Any]:
        # Ignores SIGTERM, as a crawl stuck in a browser call may: only the tree kill ends it.
        process = subprocess.Popen([sys.executable, "-c", "import signal, time; "
                                    "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
                                   start_new_session=True)
        seen.append(ident(process.pid))
        on_start(process.pid)
        process.wait()
        return {"source": source_id, "status": "interrupted"}

    scheduler = CrawlScheduler(settings, store, crawl)
    worker = threading.Thread(target=scheduler.tick, args=["s0", "manual"])
    worker.start()
    assert wait_for(lambda: seen and "s0" in scheduler.running)
    scheduler.shutdown(grace_s=0.5)
    worker.join(10)
    assert not worker.is_alive() and not is_alive(seen[0]) and scheduler.running == set()


def test_waiting_counts_crawls_queued_for_a_slot(tmp_path: Path) -> None:
    settings = settings_with(tmp_path, sources=2, parallel=1)
    store = Store(f"sqlite:///{tmp_path}/s.db")
    crawl = SlowCrawl()
    scheduler = CrawlScheduler(settings, store, crawl)
    threads = [threading.Thread(target=scheduler.tick, args=[f"s{i}", "manual"]) for i in range(2)]
    for thread in threads:
        thread.start()
    assert wait_for(lambda: len(crawl.calls) == 1 and scheduler.waiting == 1)
    crawl.release.set()
    for thread in threads:
        thread.join()
    assert scheduler.waiting == 0 and len(crawl.calls) == 2
