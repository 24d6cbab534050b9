"""Page objects of the short-video comment API, on saved responses (no network, no browser)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawlers.pages.douyin import (CommentApiError, VideoInfo, api_kind, aweme_id_from_url, comment_to_post,
                                   parse_account_posts, parse_comment_page, parse_video_detail,
                                   sec_uid_from_url, video_info_from_html, video_links, video_to_post,
                                   with_params)

DATA = Path(__file__).parent / "data" / "douyin"
VIDEO = VideoInfo(aweme_id="7367001122334455667", title="南湖区建设街道某小区门口暴雨后积水严重")


def load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def test_comment_page_keeps_comments_with_cid_and_paging_fields() -> None:
    page = parse_comment_page(load("comment_list.json"))
    assert [str(c["cid"]) for c in page.comments] == [
        "7368011223344556677", "7368011223344556600", "7368011223344550000"]
    assert (page.cursor, page.has_more, page.total) == (20, True, 57)


def test_empty_page_with_null_comments_ends_paging() -> None:
    page = parse_comment_page(load("empty_page.json"))
    assert page.comments == [] and page.has_more is False and page.total == 57


@pytest.mark.parametrize("payload, words", [
    (load("error_page.json"), "status_code 8: 用户未登录"),
    ([1, 2], "not a JSON object"),
    ({"status_code": 0, "comments": {"a": 1}}, "not a list"),
])
def test_unusable_answers_raise_a_clear_error(payload: object, words: str) -> None:
    with pytest.raises(CommentApiError, match=words):
        parse_comment_page(payload)


def test_comment_maps_every_field() -> None:
    comment = parse_comment_page(load("comment_list.json")).comments[0]
    post = comment_to_post(comment, source_id="dy", video=VIDEO, url="https://v.example/video/1")
    assert post.kind == "comment" and post.external_id == "7368011223344556677"
    assert post.parent_external_id is None and post.thread_external_id == VIDEO.aweme_id
    assert post.published_at == datetime.fromtimestamp(1715923200, timezone.utc)
    assert post.published_at.tzinfo is not None
    assert (post.author_id, post.author_name, post.region, post.likes, post.reply_count) == (
        "98765432101", "运河边的老张", "浙江", 35, 2)
    assert post.extra["sec_uid"] == "MS4wLjABAAAAxYzTestSecUid01"
    assert post.context == VIDEO.title  # the video title locates the comment


def test_numeric_ids_string_times_and_missing_fields_are_tolerated() -> None:
    comment = parse_comment_page(load("comment_list.json")).comments[1]
    post = comment_to_post(comment, source_id="dy", video=VIDEO, url=None)
    assert post.external_id == "7368011223344556600"
    assert post.published_at == datetime.fromtimestamp(1715920000, timezone.utc)
    # uid "0" is the platform's "hidden": the sec_uid identifies the author instead.
    assert post.author_id == "MS4wLjABAAAAxYzTestSecUid02"
    assert post.region is None and post.reply_count == 0


def test_replies_point_at_their_top_level_comment() -> None:
    replies = parse_comment_page(load("reply_list.json")).comments
    posts = [comment_to_post(c, source_id="dy", video=VIDEO, url=None, parent_cid="7368011223344556677")
             for c in replies]
    assert {p.kind for p in posts} == {"comment_reply"}
    assert {p.parent_external_id for p in posts} == {"7368011223344556677"}
    assert posts[1].extra["reply_to_reply_id"] == "7368099900000000001"
    assert posts[0].region == "江苏" and posts[0].reply_count is None


def test_reply_without_requested_parent_uses_reply_id() -> None:
    reply = parse_comment_page(load("reply_list.json")).comments[0]
    post = comment_to_post(reply, source_id="dy", video=VIDEO, url=None)
    assert post.kind == "comment_reply" and post.parent_external_id == "7368011223344556677"


def test_comment_without_time_is_refused() -> None:
    with pytest.raises(CommentApiError, match="no usable create_time"):
        comment_to_post({"cid": "1", "text": "x"}, source_id="dy", video=VIDEO, url=None)


def test_millisecond_times_are_read_as_seconds() -> None:
    post = comment_to_post({"cid": "1", "text": "x", "create_time": 1715923200123}, source_id="dy",
                           video=VIDEO, url=None)
    assert post.published_at == datetime.fromtimestamp(1715923200, timezone.utc)


def test_video_detail_becomes_the_thread_post() -> None:
    info = parse_video_detail(load("aweme_detail.json"))
    assert info is not None and info.comment_count == 59 and info.author_name == "南湖身边事"
    post = video_to_post(info, source_id="dy", url="https://v.example/video/7367001122334455667",
                         fetched_at=datetime.now(timezone.utc))
    assert post.kind == "video" and post.external_id == "7367001122334455667"
    assert post.title.startswith("南湖区建设街道某小区门口暴雨后积水严重") and "第二天还没退" in post.text
    assert post.published_at == datetime.fromtimestamp(1715900000, timezone.utc)


def test_missing_detail_is_none() -> None:
    assert parse_video_detail({"status_code": 0, "aweme_detail": None}) is None


def test_account_posts_list_videos_and_paging() -> None:
    videos, has_more, cursor = parse_account_posts(load("aweme_post.json"))
    assert [v.aweme_id for v in videos] == ["7367001122334455667", "7366000000000000001"]
    assert has_more and cursor == 1715800000000
    with pytest.raises(CommentApiError):
        parse_account_posts(load("error_page.json"))


@pytest.mark.parametrize("url, expected", [
    ("https://www.example.com/video/7367001122334455667", "7367001122334455667"),
    ("https://www.example.com/user/MS4w?modal_id=7367001122334455667", "7367001122334455667"),
    ("http://127.0.0.1:8000/note/7367001122334455667?previous_page=app", "7367001122334455667"),
    ("https://www.example.com/user/MS4wLjABAAAA", None),
])
def test_video_ids_from_urls(url: str, expected: str | None) -> None:
    assert aweme_id_from_url(url) == expected


def test_account_ids_and_api_kinds() -> None:
    assert sec_uid_from_url("https://www.example.com/user/MS4wLjABAAAAxYz?from=tab") == "MS4wLjABAAAAxYz"
    assert api_kind("https://h/aweme/v1/web/comment/list/reply/?item_id=1") == "replies"
    assert api_kind("https://h/aweme/v1/web/comment/list?aweme_id=1") == "comments"
    assert api_kind("https://h/aweme/v1/web/aweme/detail/?aweme_id=1") == "detail"
    assert api_kind("https://h/static/video.js") is None


def test_with_params_keeps_the_sites_extra_parameters() -> None:
    url = with_params("https://h/aweme/v1/web/comment/list/?device_platform=webapp&aweme_id=1&cursor=0&count=20",
                      cursor=40)
    assert "device_platform=webapp" in url and "cursor=40" in url and "cursor=0" not in url


def test_html_fallbacks_for_title_and_account_links() -> None:
    html = ('<html><head><title>暴雨后积水严重 - 短视频</title>'
            '<meta property="og:title" content="南湖区某小区暴雨后积水严重"></head><body>'
            '<a href="/video/7367001122334455667">a</a><a href="/video/7367001122334455667?x=1">dup</a>'
            '<a href="https://h.example/video/7366000000000000001">b</a><a href="/about">c</a></body></html>')
    assert video_info_from_html(html, "1").title == "南湖区某小区暴雨后积水严重"
    assert video_info_from_html("<title>只有标题 - 短视频</title>", "1").title == "只有标题"
    assert video_links(html, "http://127.0.0.1:9/user/x") == [
        "http://127.0.0.1:9/video/7367001122334455667", "https://h.example/video/7366000000000000001"]
