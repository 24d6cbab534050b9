"""The crawl subprocess logs as the service does: JSON lines with its source and run id.

Scrapy installs its own root handler, and replaces it after extensions are built; this
extension gives the handler api.logging's format and context once the engine starts,
and adds the run id once the run recorder has opened the run (it is registered after
``RunRecorder``, so its handler runs second).
"""
from __future__ import annotations

import sys
from typing import Any

from scrapy import signals

from api.logging import adopt_root_handlers, set_log_context


class CrawlLogContext:
    """Scrapy extension: JSON log lines (readable on a terminal) carrying source and run id."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "CrawlLogContext":
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        return extension

    def _adopt(self) -> None:
        source = getattr(getattr(self.crawler, "spider", None), "source_id", None) or None
        # Scrapy logs to stderr, which run_crawl sends to the run's log file.
        adopt_root_handlers(json_lines=not sys.stderr.isatty(), context={"service": "crawl", "source": source})

    def engine_started(self) -> None:
        self._adopt()

    def spider_opened(self, spider: Any) -> None:
        self._adopt()
        set_log_context(run_id=self.crawler.stats.get_value("minsheng/run_id"))
