"""Incremental decisions: which threads to fetch again and when a list walk may stop."""
from __future__ import annotations

from datetime import datetime, timedelta

from crawlers.pages.discuz import ThreadList, ThreadRow
from crawlers.pages.discuz_text import Pagination
from crawlers.spiders.discuz_progress import can_stop_walk, needs_fetch, row_state, thread_key, thread_page_url
from tests.crawlers.conftest import CHINA

T0 = datetime(2025, 6, 3, 10, 0, tzinfo=CHINA)


def row(tid: int, replies: int | None, minutes_ago: int | None, sticky: bool = False) -> ThreadRow:
    last = T0 - timedelta(minutes=minutes_ago) if minutes_ago is not None else None
    return ThreadRow(tid, f"t{tid}", f"http://x/thread-{tid}-1-1.html", sticky=sticky, replies=replies, last_post_at=last)


def test_needs_fetch():
    seen = row(1, 5, 60)
    assert needs_fetch(None, seen)
    assert not needs_fetch(row_state(seen), seen)
    assert needs_fetch(row_state(seen), row(1, 6, 60))
    assert needs_fetch(row_state(seen), row(1, 5, 10))  # same count, newer last post (a reply and a deletion)
    assert needs_fetch({**row_state(seen), "partial": True}, seen)
    assert not needs_fetch(row_state(row(1, 5, None)), row(1, 5, None))
    assert needs_fetch(row_state(row(1, None, None)), row(1, None, None))


def test_walk_stops_only_below_the_last_complete_walk():
    rows = [row(1, 2, 0, sticky=True), row(2, 4, 100), row(3, 1, 200)]
    listing = ThreadList(rows, Pagination(1, 5, "http://x/forum-2-2.html"))
    states = {thread_key(r.tid): row_state(r) for r in rows}
    assert can_stop_walk(listing, states, set(), T0 - timedelta(minutes=30))
    assert not can_stop_walk(listing, states, set(), None)  # no complete walk yet
    assert not can_stop_walk(listing, states, set(), T0 - timedelta(minutes=120))  # thread 2 is newer than it
    assert not can_stop_walk(listing, {k: v for k, v in states.items() if k != "thread:3"}, set(),
                             T0 - timedelta(minutes=30))
    assert not can_stop_walk(listing, states, {2}, T0 - timedelta(minutes=30))


def test_walk_never_stops_on_a_list_not_sorted_by_last_post():
    rows = [row(2, 4, 300), row(3, 1, 200)]
    states = {thread_key(r.tid): row_state(r) for r in rows}
    assert not can_stop_walk(ThreadList(rows, Pagination(1, 2, None)), states, set(), T0)


def test_thread_page_urls():
    assert thread_page_url("http://x/thread-12-1-3.html", 4) == "http://x/thread-12-4-3.html"
    assert thread_page_url("http://x/forum.php?mod=viewthread&tid=12&extra=page%3D1", 3) == \
        "http://x/forum.php?mod=viewthread&tid=12&extra=page%3D1&page=3"
    assert thread_page_url("http://x/forum.php?mod=viewthread&tid=12&page=2", 5).endswith("tid=12&page=5")
    assert thread_page_url("http://x/some/other/page.html", 2) is None
