"""Adapters from the stages' benchmark results (plain dicts) to BENCHMARKS.md sections."""
from __future__ import annotations

from typing import Any

from api.cli.bench import BenchContext, Figure, Section


def forum_suite(ctx: BenchContext) -> Section:
    from crawlers.bench import bench_forum

    threads = 300 if ctx.quick else 2000
    work = ctx.work_dir / "forum"
    work.mkdir(parents=True, exist_ok=True)
    result = bench_forum(threads=threads, work_dir=work)
    first, recrawl = result["first_crawl"], result["recrawl"]
    section = Section(f"Forum crawl ({threads:,} threads, {result['floors']:,} floors)")
    section.figures += [
        Figure("crawl incl. parsing, tagging, storing", first["pages_per_s"], "pages/s",
               result.get("scrapy_bench_pages_per_s"), "`scrapy bench`", "≥ 0.40× scrapy bench",
               result.get("throughput_ok")),
        Figure("unchanged re-crawl requests", recrawl["requests"], "requests", first["requests"], "first crawl",
               "≤ 0.02× first crawl", result["recrawl_ok"]),
    ]
    section.notes.append("Throttling off, 32 concurrent requests, the demo forum on 127.0.0.1 in the same process.")
    return section


def video_suite(ctx: BenchContext) -> Section:
    from demo.video.bench import bench_video

    videos, comments = (40, 50) if ctx.quick else (500, 50)
    result = bench_video(videos=videos, comments=comments)
    section = Section(f"Video comments ({videos} videos × {comments} comments)")
    api_rate = result["modes"].get("api", {}).get("comments_per_s")
    for mode, run in result["modes"].items():
        baseline = api_rate if mode == "browser" else None
        section.figures += [
            Figure(f"{mode} mode", run["comments_per_s"], "comments/s", baseline, "API mode" if baseline else "",
                   f"≥ {run['target_per_s']:,}/s", run["comments_per_s"] >= run["target_per_s"]),
            Figure(f"{mode} mode peak RSS (crawl + browser)", run["peak_rss_mb"], "MB", None, "",
                   f"< {run['rss_target_mb']:,} MB", run["peak_rss_mb"] < run["rss_target_mb"]),
            Figure(f"{mode} mode Chromium processes left", run["chromium_left"], "", None, "", "0",
                   run["chromium_left"] == 0),
        ]
    return section


def cases_suite(ctx: BenchContext) -> Section:
    from cases.bench import bench_cases

    histories = (10_000, 100_000) if ctx.quick else (100_000, 1_000_000)
    duration = 20.0 if ctx.quick else 120.0
    result = bench_cases(ctx.work_dir / "cases", histories=histories, duration_s=duration,
                         cases=min(50_000, histories[-1] // 20))
    section = Section(f"Cases and alerts (100 posts/s for {duration:.0f} s)")
    runs: list[dict[str, Any]] = result["runs"]
    for run in runs:
        history = f"{run['history_posts']:,} posts"
        section.figures += [
            Figure(f"p99 ingest → outbox at {history}", run["p99_ingest_to_outbox_s"], "s", None, "", "≤ 1 s",
                   run["p99_ingest_to_outbox_s"] <= 1.0),
            Figure(f"p99 ingest → webhook at {history}", run["p99_ingest_to_webhook_s"], "s", None, "", "≤ 2 s",
                   run["p99_ingest_to_webhook_s"] <= 2.0),
        ]
    if len(runs) >= 2:
        small, large = runs[0], runs[-1]
        section.figures.append(Figure(
            f"median rule time per batch at {large['history_posts']:,}", large["median_rule_s"] * 1000, "ms",
            small["median_rule_s"] * 1000, f"at {small['history_posts']:,}", "≤ 1.5×",
            result.get("rule_time_ratio", 99) <= 1.5))
    return section
