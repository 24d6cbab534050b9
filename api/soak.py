"""Soak: `minsheng demo` left running unattended; does memory stay flat and Chromium not pile up?

``bench_soak`` starts ``minsheng demo`` as a subprocess on a free port with a temporary
home (the demo sites on free ports too), lets it crawl the growing demo sites for
``duration`` (30 minutes; 4 with ``--quick``, every source then crawled each minute),
and every few seconds samples, by the service's own PID tree in /proc, the service's
RSS, the whole tree's memory, and how many Chromium processes are in it. At the end it
stops the service (SIGINT, as a terminal would; the tree is killed if it lingers) and
reports RSS drift, crawl runs, posts and the most Chromium processes seen at once.
"""
from __future__ import annotations

import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from api.cli.bench import BenchContext, Figure, Section
from api.settings import DEMO_CONFIG, REPO_ROOT
from crawlers.process_tree import is_alive, kill_tree, tree

_DEMO_PORTS = (8101, 8102)  # the ports demo/config.yaml's source URLs name


@dataclass(frozen=True)
class Sample:
    at_s: float
    service_rss: int
    tree_memory: int
    chromium: int
    runs_finished: int
    posts: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _pss(pid: int) -> int:
    """Proportional memory: Chromium's processes share libraries; RSS would count them repeatedly."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return _status_kb(pid, "VmRSS:")


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def soak_config(work: Path, *, every_minute: bool) -> Path:
    """The demo config with a temporary home, free ports for the demo sites, absolute paths."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    for port in _DEMO_PORTS:
        text = text.replace(f"127.0.0.1:{port}/", f"127.0.0.1:{free_port()}/")
    data = yaml.safe_load(text)
    data["home"] = str(work / "home")
    data["gazetteer"] = str((DEMO_CONFIG.parent / data["gazetteer"]).resolve())
    if every_minute:
        for source in data["sources"]:
            if source.get("schedule"):
                source["schedule"] = "* * * * *"
    path = work / "soak.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _counts(database: Path) -> tuple[int, int]:
    """(finished crawl runs, stored posts), read without disturbing the service's writes."""
    import sqlite3

    if not database.is_file():
        return 0, 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as db:
            runs = db.execute("SELECT count(*) FROM crawl_runs WHERE status NOT IN ('running', 'skipped')").fetchone()
            posts = db.execute("SELECT count(*) FROM posts").fetchone()
            return int(runs[0]), int(posts[0])
    except sqlite3.Error:
        return 0, 0  # not created yet, or locked this instant: the next sample reads it


def run_soak(work: Path, duration_s: float, *, interval_s: float = 5.0, every_minute: bool = False) -> dict[str, Any]:
    """Run the demo service for ``duration_s``; returns its samples and what was left behind."""
    work.mkdir(parents=True, exist_ok=True)
    config = soak_config(work, every_minute=every_minute)
    port = free_port()
    log = (work / "service.log").open("w", encoding="utf-8")
    service = subprocess.Popen([sys.executable, "-m", "api.cli", "--config", str(config), "demo", "--port", str(port)],
                               cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    samples: list[Sample] = []
    seen: set[tuple[int, int]] = set()
    started = time.monotonic()
    try:
        while time.monotonic() - started < duration_s and service.poll() is None:
            processes = tree(service.pid)
            seen |= processes
            runs, posts = _counts(work / "home" / "minsheng.db")
            samples.append(Sample(round(time.monotonic() - started, 1), _status_kb(service.pid, "VmRSS:"),
                                  sum(_pss(pid) for pid, _ in processes),
                                  sum(1 for pid, _ in processes if "chrom" in _comm(pid)), runs, posts))
            time.sleep(interval_s)
        exit_code = service.poll()
        seen |= tree(service.pid)
        service.send_signal(signal.SIGINT)  # uvicorn shuts down; the service stops its crawls
        try:
            service.wait(60)
        except subprocess.TimeoutExpired:
            kill_tree(service.pid)
            service.wait()
    finally:
        if service.poll() is None:
            kill_tree(service.pid)
            service.wait()
        log.close()
    return {"samples": samples, "exit_code": exit_code, "left_behind": sum(1 for p in seen if is_alive(p)),
            "log": str(work / "service.log")}


def rss_drift(samples: list[Sample]) -> tuple[float, float, float]:
    """(early MB, late MB, drift): medians of the service's RSS after warm-up and at the end."""
    values = [s.service_rss for s in samples if s.service_rss]
    if len(values) < 8:
        return 0.0, 0.0, 0.0
    n = len(values)
    # Skip the first tenth: imports, the first crawls and the demo sites' start-up settle there.
    early = statistics.median(values[n // 10: max(n // 4, n // 10 + 1)])
    late = statistics.median(values[-max(n // 6, 1):])
    return early / 2**20, late / 2**20, late / early - 1 if early else 0.0


def bench_soak(ctx: BenchContext) -> Section:
    """``minsheng bench --only soak``: RSS drift and Chromium processes of an unattended demo."""
    duration = 240.0 if ctx.quick else 1800.0
    result = run_soak(ctx.work_dir / "soak", duration, every_minute=ctx.quick)
    samples: list[Sample] = result["samples"]
    section = Section(f"Soak: `minsheng demo` unattended for {duration / 60:.0f} min")
    if not samples:
        section.notes.append(f"the service did not run (exit code {result['exit_code']}); see {result['log']}")
        return section
    early, late, drift = rss_drift(samples)
    last = samples[-1]
    half = samples[len(samples) // 2]
    early_chromium = max(s.chromium for s in samples[:len(samples) // 2 + 1])
    late_chromium = max(s.chromium for s in samples[len(samples) // 2:])
    section.figures += [
        Figure("service RSS drift (after warm-up → end)", drift * 100, "%", None, "", "within ±20 %",
               abs(drift) <= 0.2 if early else None),
        Figure("service RSS at end", late, "MB", early, "after warm-up"),
        Figure("peak memory, service + crawls + browsers (PSS)", max(s.tree_memory for s in samples) / 2**20, "MB"),
        Figure("crawl runs finished", last.runs_finished, "runs", half.runs_finished, "at half time",
               "keeps crawling", last.runs_finished > half.runs_finished),
        Figure("posts stored", last.posts, "posts", half.posts, "at half time", "keeps growing",
               last.posts > half.posts),
        # Piling up would show as more browsers at once late in the run than early on.
        Figure("most Chromium processes at once, second half", late_chromium, "", early_chromium, "first half",
               "≤ first half", late_chromium <= early_chromium),
        Figure("processes left after stop", result["left_behind"], "", None, "", "0", result["left_behind"] == 0),
    ]
    section.notes.append(f"{len(samples)} samples every 5 s of the service's PID tree in /proc; the demo sites "
                         "grow in wall time; crawls run as subprocesses with their own Chromium.")
    return section
