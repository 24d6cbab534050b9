"""The store pipeline: batches posts, and saves state only after the posts it covers."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawlers.items import RawPost, StateUpdate
from crawlers.pipelines import StorePipeline, is_state_update
from index.ingest import IngestReport
from index.store import Store

NOW = datetime(2025, 6, 3, tzinfo=timezone.utc)


class RecordingRuntime:
    """A real store for state; ingest records its batches (and can be made to fail)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.batches: list[list[str]] = []
        self.fail = False
        self.log: list[str] = []

    def ingest(self, posts: list[RawPost]) -> IngestReport:
        if self.fail:
            raise RuntimeError("database is locked")
        self.batches.append([p.external_id for p in posts])
        self.log.append(f"ingest {len(posts)}")
        return IngestReport(new=len(posts))


@pytest.fixture
def pipeline(tmp_path: Path) -> tuple[StorePipeline, RecordingRuntime]:
    store = Store(f"sqlite:///{tmp_path / 'm.db'}")
    store.start_run("hc", "discuz", trigger="manual", pid=1, now=NOW)
    runtime = RecordingRuntime(store)
    crawler = get_crawler(settings_dict={"MINSHENG_FLUSH_INTERVAL_S": 3600})
    pipe = StorePipeline(crawler)
    crawler.stats.open_spider()
    pipe.runtime, pipe.batch_size = runtime, 3
    return pipe, runtime


def post(n: int) -> RawPost:
    return RawPost(source_id="hc", external_id=f"p{n}", kind="reply", text=f"第{n}楼", published_at=NOW)


def test_posts_are_batched_and_state_waits_for_them(pipeline):
    pipe, runtime = pipeline
    pipe.process_item(post(1))
    pipe.process_item(StateUpdate(source_id="hc", key="thread:1", value={"replies": 0}))
    assert runtime.batches == [] and runtime.store.get_state("hc", "thread:1") is None
    pipe.process_item(post(2))
    pipe.process_item(post(3))
    pipe.process_item(post(4))  # the third pending post fills a batch: ingest, then the state
    assert runtime.batches == [["p1", "p2", "p3"]]
    assert runtime.store.get_state("hc", "thread:1") == {"replies": 0}
    pipe.process_item(StateUpdate(source_id="hc", key="thread:4", value={"replies": 1}))
    pipe.close_spider()
    assert runtime.batches[-1] == ["p4"] and runtime.store.get_state("hc", "thread:4") == {"replies": 1}
    assert pipe.stats.get_value("minsheng/new_posts") == 4


def test_a_failed_ingest_blocks_all_later_state(pipeline):
    pipe, runtime = pipeline
    runtime.fail = True
    pipe.process_item(post(1))
    pipe.process_item(StateUpdate(source_id="hc", key="thread:1", value={"replies": 0}))
    pipe.close_spider()
    runtime.fail = False
    pipe.process_item(post(2))
    pipe.process_item(StateUpdate(source_id="hc", key="thread:2", value={"replies": 0}))
    pipe.close_spider()
    assert runtime.store.get_state("hc", "thread:1") is None and runtime.store.get_state("hc", "thread:2") is None
    assert pipe.stats.get_value("errors/ingest") == 1


def test_a_key_saved_twice_in_one_batch_keeps_the_last_value(pipeline):
    pipe, runtime = pipeline
    for replies in (1, 2):
        pipe.process_item(StateUpdate(source_id="hc", key="board:x", value={"n": replies}))
    pipe.close_spider()
    assert runtime.store.get_state("hc", "board:x") == {"n": 2}


def test_state_items_are_recognised_by_shape():
    class OtherSpidersState:
        source_id, key, value = "dy", "video:1", {}

    assert is_state_update(OtherSpidersState()) and is_state_update(StateUpdate(source_id="a", key="b", value={}))
    assert not is_state_update(post(1)) and not is_state_update({"source_id": 1, "key": 2, "value": 3})
