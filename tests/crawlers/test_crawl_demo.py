"""Crawling the demo forum over real HTTP on 127.0.0.1: completeness, increments, encodings, robots."""
from __future__ import annotations

import pytest

from crawlers.run import run_crawl
from demo.forum.state import BoardSpec
from index.models import CrawlRun
from index.store import Store
from tests.crawlers.conftest import expected_floors, stored_posts

pytestmark = pytest.mark.slow

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 16), BoardSpec(5, "秀洲生活", "gbk", False, 10),
          BoardSpec(9, "站务管理", "utf-8", True, 3, private=True), BoardSpec(12, "二手交易", "utf-8", True, 0))


def board_urls(forum) -> list[str]:
    return [forum.board_url(2), forum.board_url(5, rewrite=False), forum.board_url(9), forum.board_url(12)]


def assert_stored_exactly(settings, state) -> dict:
    expected = expected_floors(state)
    posts = stored_posts(settings)
    ids = [p.external_id for p in posts]
    assert len(ids) == len(set(ids)), "a floor was stored twice"
    assert set(ids) == set(expected), (set(expected) - set(ids), set(ids) - set(expected))
    for post in posts:
        want = expected[post.external_id]
        assert (post.text, post.author_name, post.kind, post.floor) == \
            (want["text"], want["author"], want["kind"], want["floor"]), post.external_id
        # Floors older than a week show minutes only ("发表于 2025-5-1 19:44"), as Discuz does.
        assert post.published_at in (want["published_at"], want["published_at"].replace(second=0)), post.external_id
        assert "\ufffd" not in post.text and "\ufffd" not in (post.title or "")
        if post.kind == "reply":
            assert post.parent_external_id == post.thread_external_id and post.thread_external_id.startswith("t")
    return {p.external_id: p for p in posts}


def test_full_crawl_then_increments(forum_factory, crawl_settings):
    forum = forum_factory(boards=BOARDS, threads_per_page=6, seed=3)
    state = forum.state
    settings = crawl_settings(board_urls(forum))

    first = run_crawl(settings, "hc", timeout_s=600)
    assert first["status"] == "ok" and first["errors"] == 0, first
    posts = assert_stored_exactly(settings, state)
    assert first["new_posts"] == len(posts) == first["items"]
    assert any(p.extra["board"].endswith("fid=5") for p in posts.values())  # the GBK board came out as text
    private = {f"thread:{tid}" for tid in state.boards[9].tids} | {"list:9:1"}
    assert not private & set(state.hits), "robots.txt was not obeyed"
    assert state.hits["robots"] >= 1
    store = Store(settings.effective_database_url)
    with store.session() as session:
        run = session.get(CrawlRun, first["run_id"])
        assert (run.status, run.new_posts, run.items, run.errors) == ("ok", len(posts), len(posts), 0)
        assert run.pages == first["pages"] > len(state.boards[2].tids)

    state.hits.clear()
    unchanged = run_crawl(settings, "hc", timeout_s=600)
    assert unchanged["new_posts"] == unchanged["updated_posts"] == 0 and unchanged["status"] == "ok"
    assert state.hits["thread"] == 0 and state.hits["list"] >= 1, dict(state.hits)

    changed = state.grow(threads=2, replies=5, edits=1)
    edited_tid = changed["edits"][0]
    state.hits.clear()
    third = run_crawl(settings, "hc", timeout_s=600)
    fetched = {int(key.split(":")[1]) for key in state.hits if key.startswith("thread:")}
    assert fetched == set(changed["threads"]) | set(changed["replies"]) | set(changed["edits"])
    posts = assert_stored_exactly(settings, state)
    new_floors = 2 + 5 + 1 + sum(len(state.threads[t].floors) - 1 for t in changed["threads"])
    assert third["new_posts"] == new_floors and third["updated_posts"] == 1, third
    assert "补充" in posts[f"t{edited_tid}"].text or "更新" in posts[f"t{edited_tid}"].text \
        or "再说明" in posts[f"t{edited_tid}"].text
    store.close()


def test_unknown_and_uncrawled_sources_are_refused(crawl_settings):
    from api.settings import ConfigError

    settings = crawl_settings(["http://127.0.0.1:9/forum-2-1.html"])
    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        run_crawl(settings, "nope")
