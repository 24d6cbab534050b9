"""Embedded-engine specifics: persistence, atomic commits, the writer lock, the schema
marker, and the saved-search matcher's batch-only index."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from index.search.base import Filters, SearchBackendError, SearchDoc, SearchQuery
from index.search.saved import SavedSearchMatcher
from index.search.tantivy_engine import TantivyIndex
from tests.index.conftest import char_segment, whitespace_segment

T0 = datetime(2024, 6, 1, tzinfo=timezone.utc)


def _doc(i: int, tokens: str, **extra: object) -> SearchDoc:
    return SearchDoc(id=i, source_id="forum", kind="thread", title=tokens.replace(" ", ""),
                     text=tokens.replace(" ", ""), tokens=tokens, published_at=T0 + timedelta(minutes=i), **extra)


def test_commits_persist_and_uncommitted_work_is_invisible(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1)
    index.upsert([_doc(1, "电梯 积水"), _doc(2, "路灯")])
    assert index.count("") == 0  # nothing before commit
    index.commit()
    index.upsert([_doc(3, "电梯")])
    index.close()  # not committed: discarded
    reopened = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1)
    assert reopened.count("") == 2 and reopened.count("电梯") == 1
    reopened.close()


def test_reindex_keeps_serving_the_old_set_until_it_commits(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1)
    index.upsert([_doc(i, "旧") for i in range(1, 6)])
    index.commit()
    seen_during: list[int] = []

    def fresh() -> object:
        for i in range(10, 13):
            seen_during.append(index.count("旧"))
            yield _doc(i, "新")

    assert index.reindex(fresh(), batch_size=1) == 3
    assert seen_during == [5, 5, 5]
    assert (index.count("旧"), index.count("新")) == (0, 3)
    index.close()


def test_writers_take_turns_and_a_held_lock_gives_a_clear_error(tmp_path: Path) -> None:
    first = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1)
    second = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1,
                          writer_wait_s=0.3)
    first.upsert([_doc(1, "电梯")])
    first.commit()  # releases the writer: the other process may write now
    second.upsert([_doc(2, "积水")])
    second.commit()
    assert first.count("电梯") == 1 and first.count("积水") == 1
    first.upsert([_doc(3, "噪音")])  # holds the writer until its commit
    with pytest.raises(SearchBackendError, match="locked by another process"):
        second.upsert([_doc(4, "油烟")])
    assert second.count("电梯") == 1  # readers are never blocked
    first.commit()
    first.close()
    second.close()


def test_an_index_of_another_schema_version_is_refused(tmp_path: Path) -> None:
    TantivyIndex(tmp_path / "ix", whitespace_segment).close()
    (tmp_path / "ix" / "minsheng-schema").write_text("0")
    with pytest.raises(SearchBackendError, match="reindex"):
        TantivyIndex(tmp_path / "ix", whitespace_segment)


def test_time_sort_breaks_ties_by_id(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "ix", whitespace_segment, heap_bytes=20_000_000, threads=1)
    same = [SearchDoc(id=i, source_id="s", kind="reply", tokens="a", published_at=T0) for i in (5, 9, 7)]
    index.upsert(same)
    index.commit()
    assert [h.id for h in index.search(SearchQuery(query="a", sort="time")).hits] == [9, 7, 5]
    index.close()


def test_matcher_sees_only_the_batch(tmp_path: Path) -> None:
    matcher = SavedSearchMatcher(char_segment)
    batch = [_doc(1, "电 梯 坏 了", district="南湖区"), _doc(2, "梯 电", district="秀洲区"), _doc(3, "积 水")]
    saved = [(10, "电梯", Filters()), (11, '"电梯"', Filters()), (12, "电梯", Filters(district="秀洲区")),
             (13, "-电梯", Filters()), (14, '"未闭合', Filters())]
    assert matcher.match(batch, saved) == [(10, 1), (10, 2), (11, 1), (12, 2), (13, 3)]
    # The same post twice in one batch counts once, with its latest text.
    assert matcher.match([_doc(4, "电 梯"), _doc(4, "积 水")], saved) == [(13, 4)]


def test_bulk_keeps_one_writer_and_hands_the_lock_back_after(tmp_path: Path) -> None:
    index = TantivyIndex(tmp_path / "idx", whitespace_segment)
    with index.bulk():
        index.upsert([_doc(1, "电梯 积水")])
        index.commit()
        writer = index._writer
        index.upsert([_doc(2, "电梯 噪音")])
        index.commit()
        assert writer is not None and index._writer is writer  # no wait for merges between batches
    assert index._writer is None and index.count("电梯") == 2
    # Another process can take the writer lock at once.
    other = TantivyIndex(tmp_path / "idx", whitespace_segment, writer_wait_s=1)
    other.upsert([_doc(3, "电梯")])
    other.commit()
    assert index.count("电梯") == 3
