"""Per-video incremental state: dedupe, where a re-crawl stops, reply re-fetching, coverage."""
from __future__ import annotations

from crawlers.spiders.douyin_progress import VideoProgress, state_key


def test_each_comment_is_accepted_once_and_newest_time_kept() -> None:
    progress = VideoProgress("1")
    assert progress.accept("a", 100) and progress.accept("b", 300)
    assert not progress.accept("a", 100)
    assert progress.fetched == 2 and progress.newest == 300


def test_first_crawl_pages_until_has_more_is_zero() -> None:
    progress = VideoProgress("1")
    assert progress.keep_paging(["a", "b"], True)
    assert not progress.keep_paging(["c"], False)
    assert not progress.keep_paging([], True)  # a stuck cursor never loops


def test_recrawl_stops_at_a_page_ending_in_stored_comments() -> None:
    before = VideoProgress("1")
    for cid in ("c", "d", "e"):
        before.accept(cid, 10)
    again = VideoProgress("1", before.to_state())
    assert again.accept("new", 20) and not again.accept("c", 10)
    assert not again.keep_paging(["new", "c"], True)
    # A comment taken earlier in this run, pushed to a later page, does not stop paging.
    assert again.keep_paging(["x", "new"], True)


def test_full_refresh_and_incomplete_runs_page_through_everything() -> None:
    state = VideoProgress("1")
    state.accept("c", 10)
    assert VideoProgress("1", state.to_state(), full_refresh=True).keep_paging(["c"], True)
    assert VideoProgress("1", state.to_state(complete=False)).keep_paging(["c"], True)


def test_replies_are_opened_only_when_their_count_grew() -> None:
    progress = VideoProgress("1")
    assert progress.wants_replies("c", 3) and not progress.wants_replies("c", 0)
    progress.note_reply_total("c", 3)
    again = VideoProgress("1", progress.to_state())
    assert not again.wants_replies("c", 3)
    assert again.wants_replies("c", 4)


def test_max_comments_caps_a_run() -> None:
    progress = VideoProgress("1", max_comments=2)
    assert progress.accept("a") and progress.accept("b") and not progress.accept("c")
    assert not progress.keep_paging(["a", "b"], True) and not progress.wants_replies("a", 5)


def test_coverage_counts_the_platforms_totals() -> None:
    progress = VideoProgress("1")
    progress.list_total = 10
    progress.note_reply_total("a", 4)
    for cid in "abcdef":
        progress.accept(cid)
    assert progress.total_reported == 14 and progress.covered == 6
    assert state_key("1") == "douyin:video:1"
