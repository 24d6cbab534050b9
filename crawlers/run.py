"""Run one source's crawl as a subprocess and return its JSON summary.

``run_crawl`` is what ``minsheng crawl`` and the scheduler call. The crawl runs as
``python -m scrapy crawl KIND -a source=ID`` from the repo root, so a crash or a kill
cannot take the caller down. It runs in a session of its own; a run past its time limit
gets SIGTERM (Scrapy closes cleanly and records what it has), and after a grace period
its whole process tree (Chromium and the Playwright driver too) is killed through
crawlers.process_tree, and the run is recorded as ``timeout``.
"""
from __future__ import annotations

import json
import secrets
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from api.settings import ConfigError, Settings
from crawlers.process_tree import kill_tree, sweep_group
from index.models import CrawlRun
from index.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
CRAWLED_KINDS = ("discuz", "douyin")
SUMMARY_KEYS = ("source", "pages", "items", "new_posts", "updated_posts", "errors", "status")
_GRACE_S = 30.0


def crawl_command(kind: str, source_id: str, config: Path, *, max_pages: int | None = None,
                  trigger: str = "manual", scrapy_settings: dict[str, Any] | None = None) -> list[str]:
    """The ``scrapy crawl`` command line for one source."""
    command = [sys.executable, "-m", "scrapy", "crawl", kind, "-a", f"source={source_id}",
               "-a", f"config={config}", "-a", f"trigger={trigger}"]
    if max_pages is not None:
        command += ["-a", f"max_pages={int(max_pages)}"]
    for name, value in (scrapy_settings or {}).items():
        command += ["-s", f"{name}={value}"]
    return command


def parse_summary(stdout: str) -> dict[str, Any] | None:
    """The last JSON summary line a crawl printed, if any."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict) and "source" in data and "status" in data:
                return data
    return None


def _config_file(settings: Settings, folder: Path) -> Path:
    """The YAML the subprocess loads: the original file, or these settings written out."""
    if settings.config_path is not None and settings.config_path.is_file():
        return settings.config_path
    path = folder / "crawl-config.yaml"
    data = settings.model_dump(mode="json", exclude={"config_path"}, exclude_none=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _mark_run(settings: Settings, pid: int, status: str, message: str) -> dict[str, int]:
    """Close the run the subprocess left open (killed or crashed); returns its counters."""
    store = Store(settings.effective_database_url, migrate=False)
    try:
        with store.session() as session:
            run = session.scalar(select(CrawlRun).where(CrawlRun.pid == pid).order_by(CrawlRun.id.desc()))
            if run is None:
                return {}
            run_id = run.id
            counters = {k: getattr(run, k) for k in ("pages", "items", "new_posts", "updated_posts", "errors")}
        store.finish_run(run_id, status=status, now=datetime.now(timezone.utc), counters=counters, message=message)
        return counters
    finally:
        store.close()


def _stop(process: subprocess.Popen, grace_s: float) -> str:
    """SIGTERM, a grace period, then the whole tree; returns the stdout the crawl gave."""
    process.send_signal(signal.SIGTERM)  # Scrapy shuts down cleanly: flushes and records
    try:
        stdout, _ = process.communicate(timeout=grace_s)
    except subprocess.TimeoutExpired:
        kill_tree(process.pid)  # frozen first, so Chromium cannot outlive its parents
        stdout, _ = process.communicate()
    return stdout or ""


def run_crawl(settings: Settings, source_id: str, *, max_pages: int | None = None, trigger: str = "manual",
              timeout_s: float | None = None, scrapy_settings: dict[str, Any] | None = None,
              grace_s: float = _GRACE_S, on_start: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Crawl ``source_id`` now; returns ``{"source","pages","items","new_posts","updated_posts","errors","status"}``.

    ``on_start`` receives the crawl's PID as soon as it runs (tests watch its process tree).
    """
    source = settings.source(source_id)
    if source.kind not in CRAWLED_KINDS:
        raise ConfigError(f"source {source_id!r} is a {source.kind} source: it is fed by `minsheng ingest`, not crawled")
    limit = timeout_s if timeout_s is not None else float(source.timeout_s)
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    # Two workers of one source may start in the same second: the suffix keeps their logs apart.
    log_path = logs / f"crawl-{source_id}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}.log"
    with tempfile.TemporaryDirectory(prefix="minsheng-crawl-") as folder, log_path.open("w", encoding="utf-8") as log:
        command = crawl_command(source.kind, source_id, _config_file(settings, Path(folder)), max_pages=max_pages,
                                trigger=trigger, scrapy_settings=scrapy_settings)
        # A session of its own: its group can be signalled without touching the service.
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log, text=True,
                                   start_new_session=True)
        if on_start is not None:
            on_start(process.pid)
        timed_out = False
        try:
            stdout, _ = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            timed_out = True
            stdout = _stop(process, grace_s)
        finally:
            if process.poll() is None:  # the caller was interrupted: leave nothing running
                kill_tree(process.pid)
                process.wait()
        sweep_group(process.pid)
    summary = parse_summary(stdout or "")
    if timed_out:
        counters = _mark_run(settings, process.pid, "timeout", f"stopped after {limit:g} s")
        summary = {**(summary or {"source": source_id, **counters}), "status": "timeout"}
    elif summary is None:
        message = f"crawl exited with code {process.returncode}; see {log_path}"
        counters = _mark_run(settings, process.pid, "failed", message)
        summary = {"source": source_id, **counters, "status": "failed", "message": message}
    for key in SUMMARY_KEYS:
        summary.setdefault(key, 0)
    summary["log"] = str(log_path)
    return summary
