"""The item pipeline: posts go to ``Runtime.ingest`` in batches; state follows them.

Every spider yields ``RawPost`` items and, after the posts a piece of progress covers,
a ``StateUpdate`` (or any item with ``source_id``, ``key`` and ``value``). States wait
in the batch with the posts; a flush ingests the pending posts first and only then
saves the pending states, so a crawl killed at any moment never records progress for
posts that were not stored. If a flush fails, no further state is saved in this run:
the next run fetches that work again instead of losing it.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

from crawlers.context import context_of
from crawlers.items import RawPost

log = logging.getLogger(__name__)


def is_state_update(item: Any) -> bool:
    """Whether ``item`` is incremental state (duck-typed, so every spider's kind counts)."""
    return not isinstance(item, (RawPost, dict)) and all(hasattr(item, a) for a in ("source_id", "key", "value"))


class StorePipeline:
    """Batches posts into the store and saves crawl state only after its posts."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.pending: list[RawPost] = []
        self.pending_states: list[Any] = []
        self.batch_size = 200
        self.state_blocked = False  # set when a flush failed: progress must not be recorded
        self.runtime: Any = None
        # A slow crawl still stores what it has every so often, not only every batch_size posts.
        self.flush_interval_s = float(crawler.settings.getfloat("MINSHENG_FLUSH_INTERVAL_S", 20.0))
        self.last_flush = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StorePipeline":
        return cls(crawler)

    def open_spider(self) -> None:
        context = context_of(self.crawler)
        self.batch_size = context.settings.crawl.ingest_batch_size
        self.runtime = context.runtime

    def process_item(self, item: Any) -> Any:
        if isinstance(item, RawPost):
            self.pending.append(item)
            self.stats.inc_value("minsheng/posts")
            if len(self.pending) >= self.batch_size or time.monotonic() - self.last_flush > self.flush_interval_s:
                self.flush()
        elif is_state_update(item):
            # Every post this state covers was yielded before it: it is pending or stored.
            self.pending_states.append(item)
            if len(self.pending_states) >= self.batch_size:
                self.flush()
        return item

    def flush(self) -> None:
        """Ingest the pending posts, then save the pending states; never raise."""
        self.last_flush = time.monotonic()
        self._ingest()
        states, self.pending_states = self.pending_states, []
        self.save_states(states)

    def _ingest(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, []
        try:
            report = self.runtime.ingest(batch)
        except Exception as exc:  # the database or tagger failed: keep crawling, record nothing more
            log.error("ingest of %d posts failed: %s", len(batch), exc, exc_info=True)
            self.stats.inc_value("errors/ingest", len(batch))
            self.state_blocked = True
            return
        self.stats.inc_value("minsheng/new_posts", report.new)
        self.stats.inc_value("minsheng/updated_posts", report.updated)
        self.stats.inc_value("minsheng/unchanged_posts", report.unchanged)
        if report.errors:
            # Bad posts are refused one by one; the rest of the batch is stored.
            self.stats.inc_value("errors/ingest", len(report.errors))
            for message in report.errors[:20]:
                log.error("ingest: %s", message)

    def save_states(self, updates: list[Any]) -> None:
        """Save states in one transaction (all or none), unless a flush failed earlier."""
        if not updates:
            return
        if self.state_blocked:
            self.stats.inc_value("minsheng/state_skipped", len(updates))
            return
        store = self.runtime.store
        now = datetime.now(timezone.utc)
        try:
            with store.session() as session:
                for update in updates:
                    store.put_state(session, update.source_id, update.key, dict(update.value), now=now)
                    session.flush()  # a key saved twice in one batch must update, not insert twice
        except Exception as exc:
            log.error("saving %d crawl states failed: %s", len(updates), exc)
            self.stats.inc_value("errors/state")
            self.state_blocked = True
            return
        self.stats.inc_value("minsheng/state_saved", len(updates))

    def close_spider(self) -> None:
        self.flush()
