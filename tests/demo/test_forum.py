"""The demo forum over HTTP: Discuz! URLs, encodings, robots.txt, growth and fault switches."""
from __future__ import annotations

import httpx
import pytest

from demo.forum import Faults, make_state, serve_forum
from demo.forum.state import BoardSpec

BOARDS = (BoardSpec(2, "南湖民生", "utf-8", True, 12), BoardSpec(5, "秀洲生活", "gbk", False, 8),
          BoardSpec(9, "站务管理", "utf-8", True, 2, private=True), BoardSpec(12, "二手交易", "utf-8", True, 0))


@pytest.fixture
def forum(small_gazetteer):
    state = make_state(small_gazetteer, None, seed=2, boards=BOARDS, threads_per_page=5,
                       threads_per_hour=0, replies_per_hour=0, edits_per_hour=0)
    server = serve_forum(0, state)
    yield server
    server.stop()


def test_both_url_styles_serve_the_same_pages(forum):
    with httpx.Client(base_url=forum.url) as client:
        rewritten = client.get("forum-2-2.html")
        plain = client.get("forum.php?mod=forumdisplay&fid=2&page=2")
        assert rewritten.status_code == plain.status_code == 200
        assert 'id="normalthread_' in rewritten.text and 'class="s xst"' in rewritten.text
        tid = forum.state.boards[2].tids[1]
        a, b = client.get(f"thread-{tid}-1-1.html"), client.get(f"forum.php?mod=viewthread&tid={tid}")
        assert 'id="thread_subject"' in a.text and f'id="postmessage_{forum.state.threads[tid].floors[0].pid}"' in b.text
        assert client.get("thread-999999-1-1.html").status_code == 404


def test_gbk_board_is_gbk_in_header_meta_and_bytes(forum):
    with httpx.Client(base_url=forum.url) as client:
        response = client.get("forum.php?mod=forumdisplay&fid=5")
    assert response.headers["content-type"] == "text/html; charset=gbk"
    assert b'content="text/html; charset=gbk"' in response.content
    subject = forum.state.board_threads(5)[1].subject
    assert subject.encode("gbk") in response.content


def test_robots_txt_disallows_the_private_board(forum):
    with httpx.Client(base_url=forum.url) as client:
        robots = client.get("robots.txt").text
    assert "Disallow: /home.php" in robots and "Disallow: /forum-9-" in robots
    assert f"Disallow: /thread-{forum.state.boards[9].tids[0]}-" in robots


def test_empty_board_says_so(forum):
    with httpx.Client(base_url=forum.url) as client:
        assert "尚无主题" in client.get("forum-12-1.html").text


def test_growth_adds_threads_replies_and_edits(forum):
    state = forum.state
    before = state.floor_count()
    with httpx.Client(base_url=forum.url) as client:
        changed = client.post("_admin/grow", json={"threads": 2, "replies": 3, "edits": 1}).json()
        tid = changed["edits"][0]
        page = client.get(f"thread-{tid}-1-1.html").text
    assert len(changed["threads"]) == 2 and len(changed["replies"]) == 3
    assert state.floor_count() > before + 5
    assert "本帖最后由" in page
    newest = state.board_threads(state.threads[changed["threads"][0]].fid)
    assert any(t.tid == changed["threads"][0] for t in newest[:3])


def test_growth_follows_the_clock(small_gazetteer):
    from datetime import datetime, timedelta

    from demo.forum.state import CHINA

    moment = [datetime(2025, 6, 3, 10, 0, tzinfo=CHINA)]
    state = make_state(small_gazetteer, None, boards=BOARDS[:1], clock=lambda: moment[0],
                       threads_per_hour=4, replies_per_hour=10, edits_per_hour=1)
    threads, floors = len(state.threads), state.floor_count()
    moment[0] += timedelta(hours=1)
    state.tick()
    assert len(state.threads) == threads + 4 and state.floor_count() >= floors + 4 + 10


def test_fault_switches(forum):
    state = forum.state
    tid = state.boards[2].tids[2]
    with httpx.Client(base_url=forum.url) as client:
        assert client.post("_admin/faults", json={"error_rate": 1.0, "error_attempts": 2}).status_code == 200
        codes = [client.get("forum-2-1.html").status_code for _ in range(3)]
        assert codes == [500, 500, 200]
        client.post("_admin/faults", json={"error_rate": 0, "throttle_rate": 1.0, "retry_after_s": 2})
        throttled = client.get("forum-2-2.html")
        assert throttled.status_code == 429 and throttled.headers["retry-after"] == "2"
        client.post("_admin/faults", json={"throttle_rate": 0, "broken_tids": [tid], "changed_template": True})
        assert b"</html>" not in client.get(f"thread-{tid}-1-1.html").content
        assert "normalthread_" not in client.get("forum-2-1.html").text
        assert client.post("_admin/faults", json={"no_such_switch": 1}).status_code == 400
        stats = client.get("_admin/stats").json()
    assert stats["hits"]["list:2:1"] >= 3 and stats["faults"]["broken_tids"] == [tid]


def test_fault_choice_is_reproducible():
    faults = Faults(error_rate=0.5, seed=1)
    first = [faults.verdict(f"thread:{n}:1") for n in range(40)]
    again = Faults(error_rate=0.5, seed=1)
    assert first == [again.verdict(f"thread:{n}:1") for n in range(40)] and "error" in first and "ok" in first
