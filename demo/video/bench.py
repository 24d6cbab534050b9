"""``bench_video``: comments per second in both crawl modes, and peak memory, on the demo site.

The demo site runs on a thread here; each crawl runs as ``python -m demo.video.probe``
in a subprocess whose process tree (the crawl and its Chromium) is sampled for RSS.
Targets (issue 4): browser ≥ 100 comments/s, API ≥ 1,000 comments/s, peak < 1.5 GB.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from demo.video.proctree import ProcessTreeSampler
from demo.video.server import VideoSiteServer, build_state, default_writer

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGETS = {"browser": 100.0, "api": 1000.0}
RSS_TARGET_MB = 1536


def crawl_once(source: dict[str, Any], work: Path, *, concurrency: int = 8, browser_pages: int = 6,
               states: Path | None = None, timeout_s: float = 1800) -> dict[str, Any]:
    """One probe crawl in a subprocess; returns its stats, wall time, peak RSS and survivors."""
    work.mkdir(parents=True, exist_ok=True)
    source_path = work / "source.json"
    source_path.write_text(json.dumps(source, ensure_ascii=False), encoding="utf-8")
    command = [sys.executable, "-m", "demo.video.probe", str(source_path), str(work / "out"),
               "--concurrency", str(concurrency), "--browser-pages", str(browser_pages)]
    if states is not None:
        command += ["--states", str(states)]
    started = time.monotonic()
    with (work / "crawl.log").open("w", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=log)
        sampler = ProcessTreeSampler(process.pid).start()
        try:
            code = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()  # our own child, by its PID
            code = process.wait()
        finally:
            sampler.stop()
    elapsed = time.monotonic() - started
    stats_path = work / "out" / "stats.json"
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.is_file() else {}
    posts = work / "out" / "posts.jsonl"
    return {"exit_code": code, "seconds": elapsed, "stats": stats, "peak_rss": sampler.peak_rss,
            "survivors": sampler.survivors(), "sampled": dict(sampler.seen), "posts_path": posts,
            "log": (work / "crawl.log").read_text(encoding="utf-8")[-2000:]}


def read_posts(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def bench_video(videos: int = 500, comments: int = 50, modes: tuple[str, ...] = ("browser", "api"), *,
                seed: int = 7, browser_pages: int = 6, concurrency: int = 8) -> dict[str, Any]:
    """Crawl ``videos`` × ``comments`` on the demo site once per mode; report rate and memory."""
    state = build_state(default_writer(seed), videos=videos, comments_per_video=comments, seed=seed)
    report: dict[str, Any] = {"videos": videos, "comments_per_video": comments, **state.totals(), "modes": {}}
    with VideoSiteServer(state) as server, tempfile.TemporaryDirectory(prefix="bench-video-") as folder:
        urls = [f"{server.url}/video/{aweme_id}" for aweme_id in state.videos]
        for mode in modes:
            source = {"id": f"bench-{mode}", "kind": "douyin", "mode": mode, "videos": urls,
                      "max_comments": 100_000}
            run = crawl_once(source, Path(folder) / mode, concurrency=concurrency, browser_pages=browser_pages)
            taken = sum(1 for p in read_posts(run["posts_path"]) if p["kind"] != "video")
            rate = taken / run["seconds"] if run["seconds"] else 0.0
            report["modes"][mode] = {
                "comments": taken, "seconds": round(run["seconds"], 1), "comments_per_s": round(rate, 1),
                "target_per_s": TARGETS[mode], "peak_rss_mb": round(run["peak_rss"] / 2**20),
                "rss_target_mb": RSS_TARGET_MB, "exit_code": run["exit_code"],
                "chromium_left": len(run["survivors"]),
                "ok": rate >= TARGETS[mode] and run["peak_rss"] < RSS_TARGET_MB * 2**20 and not run["survivors"]}
    return report


def main(argv: list[str] | None = None) -> int:
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m demo.video.bench")
    parser.add_argument("--videos", type=int, default=500)
    parser.add_argument("--comments", type=int, default=50)
    parser.add_argument("--modes", default="browser,api")
    parser.add_argument("--browser-pages", type=int, default=6)
    args = parser.parse_args(argv)
    report = bench_video(args.videos, args.comments, tuple(args.modes.split(",")), browser_pages=args.browser_pages)
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
