"""The Discuz! page objects, offline on saved demo pages and hand-written real-template variants."""
from __future__ import annotations

import json
from datetime import datetime

import pytest
from scrapy.http import HtmlResponse

from crawlers.pages.discuz import PageParseError, parse_thread_list, parse_thread_page
from crawlers.sources import DiscuzSelectors
from tests.crawlers.conftest import CHINA, FIXTURES


def test_demo_list_page_utf8(page, now):
    listing = parse_thread_list(page("demo_list_utf8.html", "http://127.0.0.1:1/forum-2-1.html"), now)
    sticky = [row for row in listing.threads if row.sticky]
    assert len(sticky) == 1 and sticky[0].title.startswith("【版规】")
    normal = [row for row in listing.threads if not row.sticky]
    assert len(normal) == 10
    for row in normal:
        assert row.url.startswith("http://127.0.0.1:") and f"thread-{row.tid}-1-1.html" in row.url
        assert row.title and row.author and row.author_id and row.replies is not None and row.views is not None
        assert row.last_post_at is not None and row.last_post_at.tzinfo is not None
    assert listing.pagination.page == 1 and listing.pagination.total_pages == 3
    assert listing.pagination.next_url.endswith("forum-2-2.html")


def test_demo_list_page_gbk_detected_from_header_and_meta(page, now):
    for headers in ({"Content-Type": "text/html; charset=gbk"}, {}):
        response = page("demo_list_gbk_page2.html", "http://127.0.0.1:1/forum.php?mod=forumdisplay&fid=5&page=2", headers)
        listing = parse_thread_list(response, now)
        assert listing.pagination.page == 2
        assert "viewthread" in listing.threads[0].url
        assert all("\ufffd" not in row.title for row in listing.threads)
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in row.title) for row in listing.threads)


def test_demo_thread_pages_match_the_forum(page, now):
    expected = json.loads((FIXTURES / "demo_thread_gbk.json").read_text(encoding="utf-8"))
    floors = []
    for number in (1, 2):
        url = f"http://127.0.0.1:1/forum.php?mod=viewthread&tid={expected['tid']}&page={number}"
        thread = parse_thread_page(page(f"demo_thread_gbk_page{number}.html", url), now)
        assert thread.tid == expected["tid"] and thread.pagination.total_pages == 3
        floors += thread.floors
    assert [f.floor for f in floors] == list(range(1, 21))
    for got, want in zip(floors, expected["floors"]):
        assert got.pid == want["pid"] and got.author == want["author"]
        assert got.text == want["text"], got.pid
        assert got.posted_at == datetime.fromisoformat(want["posted_at"])
        assert got.edited == want["edited"]
    assert floors[0].edited and "本帖最后由" not in floors[0].text


def test_x25_thread_table_without_post_div_gbk_relative_times(page, now):
    response = page("x25_thread.gbk.html", "http://bbs.example.cn/thread-77123-1-1.html")
    thread = parse_thread_page(response, now)
    assert thread.tid == 77123 and thread.subject == "南湖路口红绿灯坏了三天了"
    by_pid = {f.pid: f for f in thread.floors}
    assert 880021 not in by_pid  # a floor hidden by moderators has no text to keep
    first = by_pid[880011]
    assert first.floor == 1 and first.author == "禾城老司机" and first.author_id == "4411"
    assert first.posted_at == datetime(2012, 3, 4, 12, 33, tzinfo=CHINA)
    assert first.text == "南湖路和中山路路口的红绿灯坏了三天了，早晚高峰堵成一锅粥。\n\n有没有人管管？"
    assert first.edited
    quoting = by_pid[880015]
    assert quoting.text == "今天早上还是坏的，交警在现场指挥。" and quoting.quote_pid == 880011
    assert quoting.posted_at == datetime(2025, 6, 3, 9, 30, tzinfo=CHINA)  # 半小时前
    anonymous = by_pid[880020]
    assert anonymous.author == "匿名" and anonymous.author_id is None
    assert anonymous.posted_at == datetime(2025, 6, 2, 8, 12, tzinfo=CHINA)  # 昨天 08:12
    assert by_pid[880030].posted_at.date() == datetime(2025, 5, 31).date()  # 3 天前
    assert thread.pagination.total_pages == 2 and thread.pagination.next_url == "http://bbs.example.cn/thread-77123-2-1.html"


def test_x34_named_floors_span_title_and_jammer(page, now):
    thread = parse_thread_page(page("x34_thread_named_floors.html",
                                    "http://bbs.example.cn/forum.php?mod=viewthread&tid=4501&page=2"), now)
    first, second = thread.floors
    assert first.floor == 4 and second.floor == 5  # 地板 is the fourth floor
    assert first.posted_at == datetime(2025, 6, 2, 11, 5, tzinfo=CHINA)  # the title, not 半小时前
    assert first.text == "昨晚又打桩到凌晨两点\n孩子一夜没睡好。"
    assert thread.pagination.page == 2 and thread.pagination.total_pages == 3
    assert thread.pagination.next_url.endswith("tid=4501&page=3")


def test_list_variants_sticky_anonymous_plain_links_and_page_count(page, now):
    listing = parse_thread_list(page("x34_list_variants.html", "http://bbs.example.cn/forum-36-1.html"), now)
    rows = {row.tid: row for row in listing.threads}
    assert set(rows) == {500, 77123, 77100}
    assert rows[500].sticky and not rows[77123].sticky
    assert rows[77123].replies == 14 and rows[77123].views == 812
    assert rows[77123].last_post_at == datetime(2025, 6, 3, 9, 30, tzinfo=CHINA)
    assert rows[77100].author == "匿名" and rows[77100].author_id is None
    assert rows[77100].last_post_at is None  # "3 小时前" without a title drifts: not used for change checks
    assert rows[77100].url == "http://bbs.example.cn/forum.php?mod=viewthread&tid=77100&extra=page%3D1"
    assert listing.pagination.total_pages == 12


def test_empty_board_is_not_an_error(page, now):
    listing = parse_thread_list(page("x34_list_empty.html"), now)
    assert listing.empty and listing.threads == []


@pytest.mark.parametrize("name,message", [
    ("truncated", "truncated page"),
    ("misencoded", "mis-encoded"),
    ("changed", "no thread rows"),
])
def test_bad_pages_raise_one_clear_error(page, now, name, message):
    body = (FIXTURES / "demo_list_utf8.html").read_bytes()
    headers = {}
    if name == "truncated":
        body = body[: len(body) // 2]
    elif name == "misencoded":
        body = body.decode("utf-8").encode("gbk", errors="xmlcharrefreplace").replace(b"charset=utf-8", b"charset=utf-8")
        headers = {"Content-Type": "text/html; charset=utf-8"}
    else:
        body = b"<html><body><ul class='topic-list'><li>x</li></ul></body></html>"
    response = HtmlResponse("http://127.0.0.1:1/forum-2-1.html", body=body, headers=headers)
    with pytest.raises(PageParseError, match=message):
        parse_thread_list(response, now)


def test_thread_page_in_a_changed_template_is_an_error(now):
    body = "<html><body><div class='topic'><p>帖子内容</p></div></body></html>".encode()
    with pytest.raises(PageParseError, match="no floors"):
        parse_thread_page(HtmlResponse("http://x/thread-1-1-1.html", body=body, encoding="utf-8"), now)


def test_css_overrides_for_a_custom_theme(now):
    body = ("<html><head><meta charset='utf-8'></head><body><h2 class='subj'>路灯不亮</h2>"
            "<div class='floor' id='pid7'><span class='who'><a href='space-uid-3.html'>老王</a></span>"
            "<span class='when'>2025-6-1 20:00</span><div class='msg' id='postmessage_7'>中山路路灯坏了</div></div>"
            "</body></html>").encode()
    selectors = DiscuzSelectors(floor="div.floor", floor_author="span.who a", floor_time="span.when",
                                floor_content="div.msg", subject="h2.subj")
    thread = parse_thread_page(HtmlResponse("http://x/thread-9-1-1.html", body=body), now, selectors)
    (floor,) = thread.floors
    assert (thread.subject, floor.pid, floor.author, floor.text) == ("路灯不亮", 7, "老王", "中山路路灯坏了")
    assert floor.posted_at == datetime(2025, 6, 1, 20, 0, tzinfo=CHINA) and floor.floor == 1
