"""Batched window reads: every subject of a batch in one statement, nothing outside its window."""
from __future__ import annotations

from datetime import timedelta

from cases import windows
from tests.cases.conftest import NOW


def test_time_groups_cut_runs_no_longer_than_the_span():
    times = [NOW + timedelta(days=d) for d in (0, 1, 3, 10, 11, 30)]
    groups = windows.time_groups(reversed(times), key=lambda t: t, span=timedelta(days=3))
    assert groups == [times[:3], times[3:5], times[5:]]
    assert windows.time_groups([], key=lambda t: t, span=timedelta(days=1)) == []


def test_author_posts_keep_only_the_asked_pairs_and_window(store, make_post):
    with store.session() as session:
        make_post(session, "垃圾1", at=NOW - timedelta(days=1), author="a", source="f1")
        make_post(session, "垃圾2", at=NOW - timedelta(days=40), author="a", source="f1")  # outside 30 days
        make_post(session, "垃圾3", at=NOW - timedelta(days=2), author="b", source="f1")  # f1:b not asked
        make_post(session, "垃圾4", at=NOW - timedelta(days=2), author="b", source="f2")
        make_post(session, "闲聊", at=NOW, author="a", source="f1", complaint=False)
        found = windows.author_posts_many(session, [("f1", "a"), ("f2", "b"), ("f2", "a")],
                                          NOW - timedelta(days=30), NOW)
        assert {pair: len(posts) for pair, posts in found.items()} == {("f1", "a"): 1, ("f2", "b"): 1}
        assert windows.author_posts(session, "f1", "b", NOW - timedelta(days=30), NOW)[0].author == "f1:b"


def test_window_keys_and_neighbours():
    window = timedelta(hours=24)
    key = windows.window_key("warning:r:x", NOW, window)
    assert key in windows.neighbour_keys("warning:r:x", NOW, window)
    assert windows.neighbour_keys("warning:r:x", NOW + window, window)[0] == key
