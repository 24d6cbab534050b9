"""Reloading the config in the running service (SIGHUP, POST /admin/reload) keeps running crawls."""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from api.runtime import Runtime
from api.service import Service
from api.settings import load_settings

SOURCE = "  - {{id: {id}, kind: discuz, boards: ['http://127.0.0.1:1/forum-2-1.html'], schedule: '{cron}'}}\n"


def write_config(path: Path, home: Path, sources: dict[str, str], *, broken: bool = False) -> None:
    body = f"home: {home}\nsources:\n" + "".join(SOURCE.format(id=i, cron=c) for i, c in sources.items())
    path.write_text(body + ("  - {id: bad, kind: ftp}\n" if broken else ""), encoding="utf-8")


class HeldCrawl:
    """Stands in for run_crawl: holds each crawl until released, records how each ended."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.started: list[str] = []
        self.finished: list[str] = []

    def __call__(self, settings: Any, source_id: str, **kwargs: Any) -> dict[str, Any]:
        self.started.append(source_id)
        self.release.wait(20)
        self.finished.append(source_id)
        return {"source": source_id, "status": "ok"}


def wait_for(predicate: Any, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_reload_picks_up_sources_and_schedules_without_dropping_a_running_crawl(tmp_path: Path) -> None:
    config = tmp_path / "minsheng.yaml"
    write_config(config, tmp_path / "home", {"s0": "0 3 * * *"})
    runtime = Runtime.from_settings(load_settings(config))
    crawl = HeldCrawl()
    service = Service(runtime, config_path=config, demo=False, run_crawl=crawl)
    service.start()
    try:
        service.scheduler.crawl_now("s0")
        assert wait_for(lambda: crawl.started == ["s0"])
        write_config(config, tmp_path / "home", {"s0": "*/5 * * * *", "s1": "0 4 * * *"})
        assert service.reload_on_signal() is True  # what SIGHUP calls
        jobs = {job.id: str(job.trigger) for job in service.scheduler._scheduler.get_jobs()}
        assert set(jobs) == {"crawl:s0", "crawl:s1"} and "*/5" in jobs["crawl:s0"]
        assert [s.id for s in runtime.settings.sources] == ["s0", "s1"]
        assert "s0" in service.scheduler.running and crawl.finished == []  # still going
        service.scheduler.crawl_now("s1")  # a source added by the reload can be crawled at once
        assert wait_for(lambda: "s1" in crawl.started)

        write_config(config, tmp_path / "home", {"s0": "0 3 * * *"}, broken=True)
        assert service.reload_on_signal() is False  # a bad file is refused ...
        assert [s.id for s in runtime.settings.sources] == ["s0", "s1"]  # ... the running config stays

        crawl.release.set()
        assert wait_for(lambda: sorted(crawl.finished) == ["s0", "s1"])
        assert wait_for(lambda: not service.scheduler.running)
    finally:
        crawl.release.set()
        service.stop()
        runtime.close()
