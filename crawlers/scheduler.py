"""Crawl jobs on each source's cron schedule, run unattended inside `serve` and `demo`.

Each run is its own `scrapy crawl` subprocess (crawlers.run.run_crawl): Chromium's
memory stays out of the service, and no Twisted reactor is ever restarted. Runs of one
source never overlap (a tick that finds one still going is skipped and recorded);
runs across sources are bounded by ``crawl.max_parallel_runs``. After every run the
source's health rules are evaluated, so a broken source raises its alert at once.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from index.models import CrawlRun
from index.store import Store

log = logging.getLogger(__name__)
RunCrawl = Callable[..., dict[str, Any]]


def close_interrupted_runs(store: Store, *, now: datetime) -> int:
    """Runs still marked running belong to a service that died: close them."""
    with store.session() as session:
        runs = list(session.scalars(select(CrawlRun).where(CrawlRun.status == "running")))
        for run in runs:
            run.status, run.finished_at = "interrupted", now
            run.message = "service restarted while this run was going"
        return len(runs)


class CrawlScheduler:
    def __init__(self, settings: Any, store: Store, run_crawl: RunCrawl, *,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.store = store
        self.run_crawl = run_crawl
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._running: set[str] = set()
        self._waiting = 0  # ticks holding no slot yet: the crawl queue's depth
        self._pids: dict[str, int] = {}  # running crawl subprocesses by source
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(settings.crawl.max_parallel_runs)
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=max(4, len(settings.sources) + 1))},
            timezone=settings.crawl.timezone,
        )

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        close_interrupted_runs(self.store, now=self.clock())
        self._add_jobs()
        self._scheduler.start()

    def shutdown(self, wait: bool = False, grace_s: float = 10.0) -> None:
        """Stop scheduling, then stop running crawls: each runs in its own session, so
        nothing else would (a terminal's Ctrl-C does not reach them)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        self.stop_crawls(grace_s)

    def stop_crawls(self, grace_s: float) -> None:
        """SIGTERM every running crawl (Scrapy records what it has), then kill what is left."""
        from crawlers.process_tree import ident, is_alive, kill_tree

        with self._lock:
            pids = dict(self._pids)
        processes = {pid: ident(pid) for pid in pids.values()}
        for pid, process in processes.items():
            if process is not None and is_alive(process):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and any(p and is_alive(p) for p in processes.values()):
            time.sleep(0.1)
        for pid, process in processes.items():
            if process is not None and is_alive(process):
                kill_tree(pid)

    def reload(self, settings: Any) -> None:
        """New sources and schedules; running crawls and queued crawl-nows carry on untouched."""
        self.settings = settings
        for job in self._scheduler.get_jobs():
            if job.id.startswith("crawl:"):
                job.remove()
        self._add_jobs()

    def _add_jobs(self) -> None:
        for source in self.settings.sources:
            if source.schedule and source.kind in ("discuz", "douyin"):
                trigger = CronTrigger.from_crontab(source.schedule, timezone=self.settings.crawl.timezone)
                # Several instances may start so that a tick overlapping a run reaches tick() and
                # is recorded as skipped; APScheduler would otherwise drop it with a log line.
                self._scheduler.add_job(self.tick, trigger, args=[source.id, "schedule"],
                                        id=f"crawl:{source.id}", coalesce=True, misfire_grace_time=60,
                                        max_instances=3)

    # -- work -------------------------------------------------------------------------
    def crawl_now(self, source_id: str, trigger: str = "manual") -> None:
        """Queue a crawl to start at once, off the caller's thread."""
        self._scheduler.add_job(self.tick, args=[source_id, trigger])

    def tick(self, source_id: str, trigger: str) -> dict[str, Any] | None:
        from crawlers.health import is_paused

        if trigger == "schedule" and is_paused(self.store, source_id):
            return None
        with self._lock:
            if source_id in self._running:
                self._record_skip(source_id, trigger)
                return None
            self._running.add(source_id)
        try:
            with self._lock:
                self._waiting += 1
            try:
                self._slots.acquire()
            finally:
                with self._lock:
                    self._waiting -= 1
            try:
                source = self.settings.source(source_id)
                log.info("crawl of %s starts (%s)", source_id, trigger, extra={"source": source_id})
                summary = self.run_crawl(self.settings, source_id, trigger=trigger, timeout_s=source.timeout_s,
                                         on_start=lambda pid: self._started(source_id, pid))
            finally:
                self._slots.release()
                with self._lock:
                    self._pids.pop(source_id, None)
            log.info("crawl of %s ended: %s", source_id, summary.get("status"),
                     extra={"source": source_id, "run_id": summary.get("run_id")})
            self.check_health(source_id)
            return summary
        except Exception:  # a crashed run must not kill the scheduler thread
            log.exception("crawl of %s failed to run", source_id, extra={"source": source_id})
            return None
        finally:
            with self._lock:
                self._running.discard(source_id)

    def _started(self, source_id: str, pid: int) -> None:
        with self._lock:
            self._pids[source_id] = pid

    def check_health(self, source_id: str | None = None) -> list[Any]:
        """Evaluate the health rules (one source, or all) and raise their alerts; never raises."""
        from crawlers.health import check_health

        if not self.settings.health.enabled:
            return []
        try:
            results = check_health(self.store, self.settings, now=self.clock(),
                                   source_ids=[source_id] if source_id else None)
        except Exception:  # the next run or sweep checks again
            log.exception("health check failed", extra={"source": source_id})
            return []
        for sid, finding, raised in results:
            if raised:
                log.warning("source health: %s", finding.title, extra={"source": sid, "rule": finding.rule})
        return results

    def _record_skip(self, source_id: str, trigger: str) -> None:
        now = self.clock()
        source = self.settings.source(source_id)
        run_id = self.store.start_run(source_id, source.kind, trigger=trigger, pid=None, now=now,
                                      name=source.name, area=source.area)
        self.store.finish_run(run_id, status="skipped", now=now, counters={},
                              message="previous run of this source still going")
        log.info("skipped %s tick: previous run still going", source_id)

    @property
    def running(self) -> set[str]:
        with self._lock:
            return set(self._running)

    @property
    def waiting(self) -> int:
        """Crawls due but waiting for a free slot."""
        with self._lock:
            return self._waiting
