"""The long-running service behind `minsheng serve` and `minsheng demo`.

One process: the API and staff UI (uvicorn), the crawl scheduler, and the alert
dispatcher. `demo` also starts the stand-in forum and video site and crawls them once
at start. SIGHUP (or POST /api/v1/admin/reload) re-reads the config.
"""
from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

import uvicorn

from api.runtime import Runtime
from api.settings import load_settings

log = logging.getLogger(__name__)


class Service:
    """Owns the background parts so that they start and stop together."""

    def __init__(self, runtime: Runtime, *, config_path: Path | None, demo: bool) -> None:
        from crawlers.run import run_crawl
        from crawlers.scheduler import CrawlScheduler

        self.runtime = runtime
        self.config_path = config_path
        self.demo = demo
        self.scheduler = CrawlScheduler(runtime.settings, runtime.store, run_crawl)
        self.stop_event = threading.Event()
        self.demo_sites: Any = None
        self.dispatcher_thread: threading.Thread | None = None

    def start(self) -> None:
        if self.demo:
            from demo.sites import start_demo_sites

            self.demo_sites = start_demo_sites(self.runtime.settings)
        self.scheduler.start()
        self.dispatcher_thread = threading.Thread(target=self._dispatch_loop, name="dispatcher", daemon=True)
        self.dispatcher_thread.start()
        if self.demo:
            for source in self.runtime.settings.sources:
                if source.kind in ("discuz", "douyin"):
                    self.scheduler.crawl_now(source.id, trigger="demo")

    def _dispatch_loop(self) -> None:
        from cases.delivery import Dispatcher

        dispatcher = Dispatcher(self.runtime.store, self.runtime.settings.webhooks)
        while not self.stop_event.is_set():
            try:
                busy = dispatcher.run_once()
            except Exception:  # keep delivering: the next pass retries what failed
                log.exception("alert dispatch pass failed")
                busy = False
            self.stop_event.wait(0.2 if busy else 1.0)

    def reload(self) -> None:
        settings = load_settings(self.config_path)
        self.runtime.settings.sources = settings.sources
        self.runtime.settings.webhooks = settings.webhooks
        self.scheduler.reload(self.runtime.settings)
        log.info("config reloaded: %d sources", len(settings.sources))

    def stop(self) -> None:
        self.stop_event.set()
        self.scheduler.shutdown(wait=False)
        if self.demo_sites is not None:
            self.demo_sites.stop()


def run_service(runtime: Runtime, *, config_path: Path | None, host: str, port: int, demo: bool) -> None:
    from api.app import create_app
    from api.bootstrap import ensure_bootstrap_keys

    service = Service(runtime, config_path=config_path, demo=demo)
    app = create_app(runtime)
    app.state.scheduler = service.scheduler
    app.state.reload = service.reload
    keys = ensure_bootstrap_keys(runtime.store, runtime.settings.api.bootstrap_keys, home=runtime.settings.home)
    if demo and keys:
        app.state.demo_login_key = next(iter(keys.values()))
    signal.signal(signal.SIGHUP, lambda *_: service.reload())
    service.start()
    print(f"民声 minsheng is running: open http://{host}:{port}/", flush=True)
    if demo and keys:
        print(f"demo sign-in key ({next(iter(keys))}): {next(iter(keys.values()))}", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        service.stop()
