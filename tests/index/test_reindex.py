"""Rebuilding the search index from the store while crawls keep ingesting."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from api.runtime import Runtime
from api.settings import load_settings
from crawlers.items import RawPost
from index.reindex import reindex
from index.search.base import SearchDoc


def _post(n: int) -> RawPost:
    return RawPost(source_id="hotline", external_id=f"order-{n}", kind="thread", title=f"路灯坏了{n}",
                   text="中山路的路灯坏了好几天，晚上一片漆黑", published_at=datetime(2025, 6, 2, 8, n, tzinfo=timezone.utc))


class SwappingIndex:
    """Stands in for an engine with an alias swap: records what lands before and after it."""

    def __init__(self, during: Callable[[], None]) -> None:
        self.during = during
        self.rebuilt: list[int] = []
        self.after_swap: list[int] = []

    def reindex_from(self, docs: Iterable[SearchDoc]) -> int:
        for number, doc in enumerate(docs):
            if number == 1:
                self.during()  # a crawl ingests while the new version is being loaded
            self.rebuilt.append(doc.id)
        return len(self.rebuilt)

    def upsert(self, docs: list[SearchDoc]) -> None:
        self.after_swap += [doc.id for doc in docs]

    def commit(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)


def test_posts_ingested_during_a_swap_rebuild_are_written_again(
        tmp_path: Path, make_config: Callable[..., Path]) -> None:
    runtime = Runtime(load_settings(make_config()))
    runtime.ingest([_post(n) for n in range(4)])
    late = Runtime(load_settings(make_config()))  # another process, ingesting meanwhile

    index = SwappingIndex(lambda: late.ingest([_post(n) for n in range(4, 7)]))
    # The rebuild "starts" a while after the first posts were stored, so only the
    # late ones count as changed.
    count = reindex(runtime.store, index, batch=2, now=lambda: datetime.now(timezone.utc) + timedelta(minutes=5))
    assert count == len(index.rebuilt)
    assert sorted(index.after_swap) == [5, 6, 7]
    late.close()
    runtime.close()
