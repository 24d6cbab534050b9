"""Crawl jobs on each source's cron schedule, run unattended inside `serve` and `demo`.

Each run is its own `scrapy crawl` subprocess (crawlers.run.run_crawl): Chromium's
memory stays out of the service, and no Twisted reactor is ever restarted. Runs of one
source never overlap (a tick that finds one still going is skipped and recorded);
runs across sources are bounded by ``crawl.max_parallel_runs``.
"""
from __future__ import annotations

import logging
import threading
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

    def shutdown(self, wait: bool = False) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    def reload(self, settings: Any) -> None:
        """New sources and schedules; running crawls carry on untouched."""
        self.settings = settings
        for job in self._scheduler.get_jobs():
            job.remove()
        self._add_jobs()

    def _add_jobs(self) -> None:
        for source in self.settings.sources:
            if source.schedule and source.kind in ("discuz", "douyin"):
                trigger = CronTrigger.from_crontab(source.schedule, timezone=self.settings.crawl.timezone)
                self._scheduler.add_job(self.tick, trigger, args=[source.id, "schedule"],
                                        id=f"crawl:{source.id}", coalesce=True, misfire_grace_time=60)

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
            with self._slots:
                source = self.settings.source(source_id)
                return self.run_crawl(self.settings, source_id, trigger=trigger, timeout_s=source.timeout_s)
        except Exception:  # a crashed run must not kill the scheduler thread
            log.exception("crawl of %s failed to run", source_id)
            return None
        finally:
            with self._lock:
                self._running.discard(source_id)

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
