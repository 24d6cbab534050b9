"""Run the short-video spider against a site and keep what it yields in files, without ingest.

The bench and the crawler tests use it to see exactly what the spider emits (and how
fast) apart from tagging and storage: ``python -m demo.video.probe SOURCE_JSON OUT_DIR``
writes ``posts.jsonl``, ``states.json`` (incremental state after the run) and
``stats.json``. Given ``--states``, the run continues from an earlier ``states.json``.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawlers.items import RawPost


class ProbeSink:
    """Item pipeline: RawPosts to JSON lines, StateUpdates to a dict saved at close."""

    def __init__(self, out_dir: Path, states: dict[str, Any]) -> None:
        self.out_dir, self.states = out_dir, states
        self._posts = (out_dir / "posts.jsonl").open("w", encoding="utf-8")

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ProbeSink":
        settings = crawler.settings
        return cls(Path(settings["PROBE_OUT_DIR"]), settings.getdict("PROBE_STATES"))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RawPost):
            self._posts.write(item.model_dump_json() + "\n")
        elif hasattr(item, "key") and hasattr(item, "value"):
            self.states[item.key] = item.value
        return item

    def close_spider(self) -> None:
        self._posts.close()
        (self.out_dir / "states.json").write_text(json.dumps(self.states, ensure_ascii=False), encoding="utf-8")


def probe_settings(out_dir: Path, states: dict[str, Any], concurrency: int) -> dict[str, Any]:
    """The project's crawl settings (retry middleware and all), with a file sink instead of the store."""
    from scrapy.settings import Settings  # noqa: PLC0415

    settings = Settings()
    settings.setmodule("crawlers.settings", priority="project")
    settings.setdict({
        "ITEM_PIPELINES": {"demo.video.probe.ProbeSink": 100}, "EXTENSIONS": {},
        "PROBE_OUT_DIR": str(out_dir), "PROBE_STATES": states,
        "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "WARNING", "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": concurrency * 2, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
    }, priority="cmdline")
    return settings


def run_probe(source: dict[str, Any], out_dir: Path, states: dict[str, Any] | None = None, *,
              concurrency: int = 8, browser_pages: int = 4, chromium_path: str = "/usr/bin/chromium") -> dict[str, Any]:
    """Crawl once in this process (Scrapy's reactor runs once per process) and return the stats."""
    from scrapy.crawler import CrawlerProcess  # noqa: PLC0415 - installs the reactor

    from crawlers.spiders.douyin import DouyinSpider  # noqa: PLC0415

    out_dir.mkdir(parents=True, exist_ok=True)
    states = dict(states or {})
    process = CrawlerProcess(probe_settings(out_dir, states, concurrency))
    crawler = process.create_crawler(DouyinSpider)
    process.crawl(crawler, source=source, states=states, chromium_path=chromium_path,
                  browser_pages=browser_pages)
    process.start()
    stats = {key: value for key, value in crawler.stats.get_stats().items()
             if isinstance(value, (int, float, str, type(None)))}
    (out_dir / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, default=str), encoding="utf-8")
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.video.probe")
    parser.add_argument("source", type=Path, help="JSON file: one douyin source config")
    parser.add_argument("out", type=Path)
    parser.add_argument("--states", type=Path, help="states.json of an earlier run")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--browser-pages", type=int, default=4)
    args = parser.parse_args(argv)
    source = json.loads(args.source.read_text(encoding="utf-8"))
    states = json.loads(args.states.read_text(encoding="utf-8")) if args.states else {}
    stats = run_probe(source, args.out, states, concurrency=args.concurrency, browser_pages=args.browser_pages)
    print(json.dumps({k: v for k, v in stats.items() if k.startswith("douyin/")}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
