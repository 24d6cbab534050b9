"""The long-running service behind `minsheng serve` and `minsheng demo`.

One process: the API and staff UI (uvicorn), the crawl scheduler, the alert
dispatcher, the overdue sweep and the source-health sweep. `demo` also starts the
stand-in forum and video site and crawls them once at start. SIGHUP (or
POST /api/v1/admin/reload) re-reads the config; running crawls carry on.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import uvicorn

from api.runtime import Runtime
from api.settings import load_settings

log = logging.getLogger(__name__)


class Service:
    """Owns the background parts so that they start and stop together."""

    def __init__(self, runtime: Runtime, *, config_path: Path | None, demo: bool,
                 run_crawl: Any = None) -> None:
        from crawlers.scheduler import CrawlScheduler

        if run_crawl is None:
            from crawlers.run import run_crawl

        self.runtime = runtime
        self.config_path = config_path
        self.demo = demo
        self.scheduler = CrawlScheduler(runtime.settings, runtime.store, run_crawl)
        self.stop_event = threading.Event()
        self.demo_sites: Any = None

    def start(self) -> None:
        # Load the tagger (dictionaries, models) now, not in the first search a duty officer runs.
        threading.Thread(target=lambda: self.runtime.tagger, name="tagger-warmup", daemon=True).start()
        if self.demo:
            from demo.sites import start_demo_sites

            self.demo_sites = start_demo_sites(self.runtime.settings)
        self.scheduler.start()
        for name, target in (("dispatcher", self._dispatch_loop), ("overdue-sweep", self._sweep_loop),
                             ("health-sweep", self._health_loop)):
            threading.Thread(target=target, name=name, daemon=True).start()
        if self.demo:
            for source in self.runtime.settings.sources:
                if source.kind in ("discuz", "douyin"):
                    self.scheduler.crawl_now(source.id, trigger="demo")

    def _dispatch_loop(self) -> None:
        from cases.delivery import Dispatcher

        Dispatcher(self.runtime.store, self.runtime.settings.webhooks).run_forever(self.stop_event, interval_s=0.5)

    def _sweep_loop(self, interval_s: float = 30.0) -> None:
        """Overdue steps raise 督办 alerts even when no new post arrives."""
        from cases.lifecycle import find_overdue

        while not self.stop_event.wait(interval_s):
            try:
                with self.runtime.store.session() as session:
                    find_overdue(session, datetime.now(timezone.utc), webhooks=self.runtime.settings.webhooks)
            except Exception:  # the next sweep retries; nothing is lost
                log.exception("overdue sweep failed")

    def _health_loop(self) -> None:
        """Silence shows between runs too (a source whose schedule stopped yielding)."""
        while not self.stop_event.wait(self.runtime.settings.health.sweep_interval_s):
            self.scheduler.check_health()

    def reload(self) -> None:
        settings = load_settings(self.config_path)
        self.runtime.settings.sources = settings.sources
        self.runtime.settings.webhooks = settings.webhooks
        self.runtime.settings.health = settings.health
        self.scheduler.reload(self.runtime.settings)
        log.info("config reloaded: %d sources", len(settings.sources))

    def reload_on_signal(self) -> bool:
        """SIGHUP: reload; a bad file is logged and the running config stays in force."""
        from api.settings import ConfigError

        try:
            self.reload()
            return True
        except ConfigError as exc:
            log.error("config not reloaded: %s", exc)
            return False

    def stop(self) -> None:
        """Stop the loops, the scheduler and its running crawls, and the demo sites (idempotent)."""
        self.stop_event.set()
        self.scheduler.shutdown(wait=False)
        sites, self.demo_sites = self.demo_sites, None
        if sites is not None:
            sites.stop()


def run_service(runtime: Runtime, *, config_path: Path | None, host: str, port: int, demo: bool) -> None:
    from api.app import create_app
    from api.bootstrap import ensure_bootstrap_keys
    from api.logging import configure_logging

    configure_logging(service="minsheng")
    service = Service(runtime, config_path=config_path, demo=demo)
    app = create_app(runtime)
    app.state.scheduler = service.scheduler
    app.state.reload = service.reload
    keys = ensure_bootstrap_keys(runtime.store, runtime.settings.api.bootstrap_keys, home=runtime.settings.home)
    if demo and keys:
        app.state.demo_login_key = next(iter(keys.values()))
    signal.signal(signal.SIGHUP, lambda *_: service.reload_on_signal())

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        # Stop crawls here, in uvicorn's shutdown: after it returns uvicorn re-raises the
        # SIGTERM it caught, which ends the process before a `finally` below would run.
        await asyncio.to_thread(service.stop)

    app.router.lifespan_context = lifespan
    service.start()
    print(f"民声 minsheng is running: open http://{host}:{port}/", flush=True)
    if demo and keys:
        print(f"demo sign-in key ({next(iter(keys))}): {next(iter(keys.values()))}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        service.stop()
