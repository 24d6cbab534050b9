"""The forum crawl benchmark (``make bench``): pages per second against ``scrapy bench``.

It serves a demo board of ``threads`` threads on 127.0.0.1, crawls it with throttling
off through the real pipeline (parse + ingest + state), crawls it again unchanged, and
runs ``scrapy bench`` on the same machine for the baseline. Targets: at least 40% of
``scrapy bench``'s pages per second, and a re-crawl costing at most 2% of the requests.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from api.settings import load_settings
from crawlers.run import run_crawl
from demo.forum.serve import DEFAULT_GAZETTEER, DEFAULT_SHARED, make_state, serve_forum
from demo.forum.state import BoardSpec
from index.models import CrawlRun
from index.store import Store

THROUGHPUT_TARGET = 0.40
RECRAWL_TARGET = 0.02


def scrapy_bench_pages_per_s(duration_s: int = 20) -> float:
    """Pages per second of ``scrapy bench`` here (run outside the project, with its defaults)."""
    with tempfile.TemporaryDirectory(prefix="scrapy-bench-") as folder:
        done = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={duration_s}",
             "-s", "TELNETCONSOLE_ENABLED=False", "-s", "REMOTE_CONTROL_ENABLED=False", "-s", "LOG_LEVEL=INFO"],
            cwd=folder, capture_output=True, text=True, timeout=duration_s + 120)
    log = done.stdout + done.stderr
    pages = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not pages or not elapsed:
        raise RuntimeError(f"scrapy bench printed no stats (exit {done.returncode})")
    return int(pages[1]) / float(elapsed[1])


def _run_seconds(database_url: str, run_id: int) -> float:
    store = Store(database_url, migrate=False)
    try:
        with store.session() as session:
            run = session.get(CrawlRun, run_id)
            return float((run.stats or {}).get("elapsed_time_seconds", 0.0)) if run else 0.0
    finally:
        store.close()


def bench_forum(threads: int = 2000, *, work_dir: Path | None = None, gazetteer: Path = DEFAULT_GAZETTEER,
                shared_dir: Path | None = DEFAULT_SHARED, with_scrapy_bench: bool = True, seed: int = 7) -> dict[str, Any]:
    """Run the benchmark; returns its figures and whether each target was met."""
    own_dir = tempfile.TemporaryDirectory(prefix="minsheng-bench-") if work_dir is None else None
    folder = Path(own_dir.name) if own_dir else Path(work_dir)  # type: ignore[arg-type]
    state = make_state(gazetteer, shared_dir, seed=seed, boards=(BoardSpec(2, "南湖民生", "utf-8", True, threads),),
                       threads_per_hour=0, replies_per_hour=0, edits_per_hour=0)
    forum = serve_forum(0, state)
    try:
        config = folder / "bench.yaml"
        config.write_text(
            f"home: {folder / 'home'}\ncrawl:\n  autothrottle: false\n  concurrency_per_domain: 16\n"
            f"  ingest_batch_size: 500\nsources:\n  - id: bench\n    kind: discuz\n    name: 基准论坛\n"
            f"    boards: ['{forum.board_url(2)}']\n    max_pages: {math.ceil(threads / state.threads_per_page) + 2}\n",
            encoding="utf-8")
        settings = load_settings(config)
        fast = {"CONCURRENT_REQUESTS": 32, "LOG_LEVEL": "INFO"}
        first = run_crawl(settings, "bench", trigger="manual", timeout_s=3600, scrapy_settings=fast)
        first_requests = state.hits["list"] + state.hits["thread"]
        thread_pages = state.hits["thread"]
        seconds = _run_seconds(settings.effective_database_url, int(first.get("run_id") or 0))
        state.hits.clear()
        second = run_crawl(settings, "bench", trigger="manual", timeout_s=3600, scrapy_settings=fast)
        second_requests = state.hits["list"] + state.hits["thread"]
    finally:
        forum.stop()
        if own_dir:
            own_dir.cleanup()
    pages_per_s = first["pages"] / seconds if seconds else 0.0
    result: dict[str, Any] = {
        "threads": threads, "floors": state.floor_count(), "thread_pages": thread_pages,
        "first_crawl": {**first, "requests": first_requests, "seconds": round(seconds, 2),
                        "pages_per_s": round(pages_per_s, 2)},
        "recrawl": {**second, "requests": second_requests,
                    "request_ratio": round(second_requests / first_requests, 4) if first_requests else None},
    }
    if with_scrapy_bench:
        baseline = scrapy_bench_pages_per_s()
        result["scrapy_bench_pages_per_s"] = round(baseline, 2)
        result["throughput_ratio"] = round(pages_per_s / baseline, 3) if baseline else None
        result["throughput_ok"] = bool(baseline) and pages_per_s / baseline >= THROUGHPUT_TARGET
    ratio = result["recrawl"]["request_ratio"]
    result["recrawl_ok"] = ratio is not None and ratio <= RECRAWL_TARGET
    return result


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(json.dumps(bench_forum(count), ensure_ascii=False, indent=2))
