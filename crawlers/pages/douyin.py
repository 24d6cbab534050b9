"""Page objects for the short-video web comment API: JSON in, ``RawPost`` out.

Pure functions, no I/O, so they are tested on saved API responses. They follow the
platform's field names (status_code, comments, cursor, has_more, total; cid, text,
create_time, ip_label, digg_count, reply_comment_total, reply_id, user{...}) and
tolerate what real responses do: ``comments: null`` on an empty page, ids as numbers
or strings, missing optional fields, extra fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crawlers.items import RawPost

COMMENT_LIST_PATH = "/aweme/v1/web/comment/list/"
REPLY_LIST_PATH = "/aweme/v1/web/comment/list/reply/"
DETAIL_PATH = "/aweme/v1/web/aweme/detail/"
ACCOUNT_POSTS_PATH = "/aweme/v1/web/aweme/post/"

_VIDEO_ID = re.compile(r"/(?:video|note)/(\d{6,25})")
_ACCOUNT_ID = re.compile(r"/user/([A-Za-z0-9_\-.]+)")


class CommentApiError(ValueError):
    """A response that is not a usable comment API answer; the message says why."""


@dataclass
class CommentPage:
    comments: list[dict[str, Any]]
    cursor: int
    has_more: bool
    total: int | None


@dataclass
class VideoInfo:
    aweme_id: str
    title: str = ""
    author_name: str | None = None
    author_id: str | None = None
    author_sec_uid: str | None = None
    published_at: datetime | None = None
    comment_count: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def api_kind(url: str) -> str | None:
    """Which API a URL is: "replies", "comments", "detail", "posts", or None."""
    path = urlsplit(url).path
    if not path.endswith("/"):
        path += "/"
    for kind, suffix in (("replies", REPLY_LIST_PATH), ("comments", COMMENT_LIST_PATH),
                         ("detail", DETAIL_PATH), ("posts", ACCOUNT_POSTS_PATH)):
        if path.endswith(suffix):
            return kind
    return None


def api_url(page_url: str, path: str, params: dict[str, Any]) -> str:
    """The API endpoint at the video page's own origin."""
    parts = urlsplit(page_url)
    return f"{parts.scheme}://{parts.netloc}{path}?{urlencode(params)}"


def with_params(url: str, **params: Any) -> str:
    """``url`` with some query parameters replaced; keeps the others (device ids, signatures)."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
    query.update({key: str(value) for key, value in params.items()})
    return parts._replace(query=urlencode(query)).geturl()


def aweme_id_from_url(url: str) -> str | None:
    """The video id of a video page URL (``/video/<id>``, ``?modal_id=``, ``?aweme_id=``)."""
    match = _VIDEO_ID.search(urlsplit(url).path)
    if match:
        return match.group(1)
    query = parse_qs(urlsplit(url).query)
    for key in ("modal_id", "aweme_id", "item_id", "vid"):
        if query.get(key) and query[key][0].isdigit():
            return query[key][0]
    return None


def sec_uid_from_url(url: str) -> str | None:
    match = _ACCOUNT_ID.search(urlsplit(url).path)
    return match.group(1) if match else None


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _time(value: Any) -> datetime | None:
    seconds = _int(value, 0)
    # Some endpoints give milliseconds; anything past year 2286 in seconds is one.
    if seconds > 10**10:
        seconds //= 1000
    return datetime.fromtimestamp(seconds, timezone.utc) if seconds > 0 else None


def parse_comment_page(payload: Any) -> CommentPage:
    """One page of ``comment/list`` or ``comment/list/reply``; raises CommentApiError if unusable."""
    if not isinstance(payload, dict):
        raise CommentApiError(f"comment API answered {type(payload).__name__}, not a JSON object")
    status = _int(payload.get("status_code", 0), -1)
    if status != 0:
        message = payload.get("status_msg") or payload.get("message") or "no message"
        raise CommentApiError(f"comment API status_code {payload.get('status_code')!r}: {message}")
    comments = payload.get("comments") or []
    if not isinstance(comments, list):
        raise CommentApiError("comment API 'comments' is not a list")
    total = payload.get("total")
    return CommentPage(comments=[c for c in comments if isinstance(c, dict) and c.get("cid")],
                       cursor=_int(payload.get("cursor"), 0), has_more=bool(_int(payload.get("has_more"))),
                       total=_int(total) if total is not None else None)


def _user(data: Any) -> tuple[str | None, str | None, str | None]:
    user = data if isinstance(data, dict) else {}
    uid = str(user.get("uid") or "") or None
    sec_uid = str(user.get("sec_uid") or "") or None
    if uid == "0":
        uid = None
    return uid, sec_uid, (str(user.get("nickname") or "") or None)


def comment_to_post(comment: dict[str, Any], *, source_id: str, video: VideoInfo, url: str | None,
                    parent_cid: str | None = None) -> RawPost:
    """A top-level comment (``parent_cid`` None) or a reply, as a RawPost under the video."""
    cid = str(comment["cid"])
    published = _time(comment.get("create_time"))
    if published is None:
        raise CommentApiError(f"comment {cid} has no usable create_time")
    uid, sec_uid, nickname = _user(comment.get("user"))
    reply_to = str(comment.get("reply_id") or "0")
    parent = parent_cid if parent_cid is not None else (reply_to if reply_to != "0" else None)
    extra = {key: comment[key] for key in ("reply_to_reply_id", "label_text", "status")
             if comment.get(key) not in (None, "", "0")}
    extra.update({"uid": uid, "sec_uid": sec_uid, "aweme_id": video.aweme_id})
    total = _int(comment.get("reply_comment_total"), 0)
    return RawPost(
        source_id=source_id, external_id=cid, kind="comment_reply" if parent else "comment",
        text=str(comment.get("text") or ""), published_at=published, url=url,
        parent_external_id=parent, thread_external_id=video.aweme_id,
        author_id=uid or sec_uid, author_name=nickname,
        region=str(comment.get("ip_label") or "").strip() or None,
        likes=max(0, _int(comment.get("digg_count"))), reply_count=None if parent else total,
        context=video.title or None, extra=extra)


def parse_video_detail(data: Any, aweme_id: str | None = None) -> VideoInfo | None:
    """A video from ``aweme/detail`` (``{"aweme_detail": {...}}``) or one ``aweme_list`` entry."""
    if isinstance(data, dict) and "aweme_detail" in data:
        data = data.get("aweme_detail")
    if not isinstance(data, dict) or not (data.get("aweme_id") or aweme_id):
        return None
    uid, sec_uid, nickname = _user(data.get("author"))
    stats = data.get("statistics") if isinstance(data.get("statistics"), dict) else {}
    count = stats.get("comment_count")
    return VideoInfo(aweme_id=str(data.get("aweme_id") or aweme_id), title=str(data.get("desc") or "").strip(),
                     author_name=nickname, author_id=uid or sec_uid, author_sec_uid=sec_uid,
                     published_at=_time(data.get("create_time")),
                     comment_count=_int(count) if count is not None else None,
                     extra={"digg_count": _int(stats.get("digg_count"))} if stats.get("digg_count") else {})


def video_to_post(video: VideoInfo, *, source_id: str, url: str | None, fetched_at: datetime) -> RawPost:
    """The video as the thread its comments sit under; title carries the location hints."""
    title = video.title.splitlines()[0][:120] if video.title else ""
    return RawPost(
        source_id=source_id, external_id=video.aweme_id, kind="video", title=title,
        text=video.title if video.title != title else "",
        published_at=video.published_at or fetched_at, url=url,
        thread_external_id=video.aweme_id, author_id=video.author_id, author_name=video.author_name,
        reply_count=video.comment_count,
        extra={**video.extra, "sec_uid": video.author_sec_uid, "published_known": video.published_at is not None})


def parse_account_posts(payload: Any) -> tuple[list[VideoInfo], bool, int]:
    """``aweme/post``: the account's videos, has_more, and the next ``max_cursor``."""
    if not isinstance(payload, dict) or _int(payload.get("status_code", 0), -1) != 0:
        raise CommentApiError("account video list: not a successful API answer")
    videos = [info for info in (parse_video_detail(item) for item in payload.get("aweme_list") or [])
              if info is not None]
    return videos, bool(_int(payload.get("has_more"))), _int(payload.get("max_cursor"))


def video_info_from_html(html: str, aweme_id: str) -> VideoInfo:
    """The fallback when no detail JSON was seen: og:title, description or <title>."""
    from parsel import Selector  # noqa: PLC0415 - Scrapy's own selector library

    page = Selector(text=html or "<html></html>")
    title = (page.css('meta[property="og:title"]::attr(content)').get()
             or page.css('meta[name="description"]::attr(content)').get()
             or page.css("title::text").get() or "")
    # Page titles end in " - <site name>"; the site name locates nothing.
    title = re.sub(r"\s*[-|_]\s*[^-|_]{1,12}$", "", title.strip()) if " - " in title else title.strip()
    return VideoInfo(aweme_id=aweme_id, title=title)


def video_links(html: str, base_url: str) -> list[str]:
    """Video page URLs linked from an account page, in page order, without repeats."""
    from parsel import Selector  # noqa: PLC0415

    parts = urlsplit(base_url)
    seen: dict[str, str] = {}
    for href in Selector(text=html or "<html></html>").css("a::attr(href)").getall():
        video_id = aweme_id_from_url(href)
        if video_id and video_id not in seen:
            absolute = href if "://" in href else f"{parts.scheme}://{parts.netloc}/{href.lstrip('/')}"
            seen[video_id] = absolute
    return list(seen.values())
