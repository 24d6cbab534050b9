"""The run recorder: one ``CrawlRun`` row per crawl, and the JSON summary line.

At spider open it records a running run; at close (after the item pipeline has
flushed) it fills pages, items, new/updated posts and errors from the crawl stats,
picks a status and prints the summary that ``run_crawl`` and ``minsheng crawl`` show.
Errors are every stat under ``errors/`` plus requests that failed for good.
"""
from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from typing import Any

from scrapy import signals

from crawlers.context import context_of

log = logging.getLogger(__name__)

_REASON_STATUS = {"shutdown": "interrupted", "closespider_timeout": "timeout", "cancelled": "interrupted"}


def run_counters(stats: dict[str, Any]) -> dict[str, int]:
    """The CrawlRun counters from a crawl's stats."""
    errors = sum(int(v) for k, v in stats.items() if k.startswith("errors/") and isinstance(v, (int, float)))
    return {
        "pages": int(stats.get("response_received_count", 0)),
        "items": int(stats.get("minsheng/posts", 0)),
        "new_posts": int(stats.get("minsheng/new_posts", 0)),
        "updated_posts": int(stats.get("minsheng/updated_posts", 0)),
        "errors": errors,
    }


def run_status(reason: str, counters: dict[str, int]) -> str:
    """ok | partial | failed | interrupted | timeout, from the close reason and counters."""
    if reason in _REASON_STATUS:
        return _REASON_STATUS[reason]
    if reason != "finished":
        return "failed"
    if counters["errors"] == 0:
        return "ok"
    return "partial" if counters["pages"] or counters["items"] else "failed"


def _json_safe(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in stats.items()
            if isinstance(v, (int, float, str, datetime))}


class RunRecorder:
    """Scrapy extension recording the run in the store (``start_run``/``finish_run``)."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RunRecorder":
        recorder = cls(crawler)
        crawler.signals.connect(recorder.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(recorder.spider_closed, signal=signals.spider_closed)
        return recorder

    def spider_opened(self, spider: Any) -> None:
        context = context_of(self.crawler)
        source = context.source
        trigger = str(getattr(spider, "trigger", None) or self.crawler.settings.get("MINSHENG_TRIGGER") or "manual")
        self.run_id = context.store.start_run(
            source.id, source.kind, trigger=trigger, pid=os.getpid(), now=datetime.now(timezone.utc),
            name=source.name, area=source.area)
        self.crawler.stats.set_value("minsheng/run_id", self.run_id)

    def spider_closed(self, spider: Any, reason: str) -> None:
        context = context_of(self.crawler)
        stats = self.crawler.stats.get_stats()
        counters = run_counters(stats)
        status = run_status(reason, counters)
        summary: dict[str, Any] = {"source": context.source.id, **counters, "status": status, "run_id": self.run_id}
        for key in ("coverage", "minsheng/coverage"):
            if key in stats:
                summary["coverage"] = stats[key]
        if self.run_id is not None:
            try:
                context.store.finish_run(self.run_id, status=status, now=datetime.now(timezone.utc),
                                         counters=counters, stats=_json_safe(stats),
                                         message=None if reason == "finished" else f"closed: {reason}")
            except Exception as exc:  # the summary must still reach the caller
                log.error("recording crawl run %s failed: %s", self.run_id, exc)
        sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        context.close()
