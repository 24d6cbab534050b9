"""Page objects for Discuz! X boards: the thread list (forumdisplay) and a thread (viewthread).

Plain functions over a Scrapy ``TextResponse``, separate from crawl mechanics and tested
offline on saved pages. Selectors follow the stock X2.5–X3.5 templates with fallbacks
for older and trimmed themes; a source's ``selectors`` override any of them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import TextResponse
from scrapy.utils.response import get_base_url

from crawlers.pages.discuz_text import PageParseError, Pagination, check_page, first_text, pagination, post_text, uid_of
from crawlers.pages.discuz_time import is_absolute, parse_discuz_time
from crawlers.sources import DiscuzSelectors

__all__ = ["Floor", "PageParseError", "ThreadList", "ThreadPage", "ThreadRow", "parse_thread_list",
           "parse_thread_page", "thread_id_from_url"]

_ROW_ID = re.compile(r"^(normal|stick)thread_(\d+)$")
_TID_IN_URL = re.compile(r"(?:thread-(\d+)-)|(?:[?&]tid=(\d+))")
_NAMED_FLOORS = {"楼主": 1, "沙发": 2, "板凳": 3, "地板": 4}
_EMPTY_BOARD = ("尚无主题", "没有找到匹配结果", "暂无主题")


@dataclass(frozen=True)
class ThreadRow:
    """One row of a board's thread list."""

    tid: int
    title: str
    url: str
    sticky: bool = False
    author: str | None = None
    author_id: str | None = None
    created_at: datetime | None = None
    replies: int | None = None
    views: int | None = None
    # Last post time, only when the page states it absolutely (relative text drifts).
    last_post_at: datetime | None = None


@dataclass(frozen=True)
class ThreadList:
    threads: list[ThreadRow]
    pagination: Pagination
    empty: bool = False  # the board says it has no threads (not a template problem)


@dataclass(frozen=True)
class Floor:
    """One post of a thread page."""

    pid: int
    floor: int | None
    author: str | None
    author_id: str | None
    posted_at: datetime | None
    text: str
    edited: bool = False
    quote_pid: int | None = None


@dataclass(frozen=True)
class ThreadPage:
    tid: int | None
    subject: str
    floors: list[Floor]
    pagination: Pagination


def thread_id_from_url(url: str) -> int | None:
    """The tid in a thread URL, plain or rewritten."""
    match = _TID_IN_URL.search(url)
    return int(match[1] or match[2]) if match else None


def _int(text: str | None) -> int | None:
    digits = re.sub(r"[^\d]", "", text or "")
    return int(digits) if digits else None


def _time_of(node: Selector, now: datetime) -> tuple[datetime | None, bool]:
    """A time cell's moment, preferring the absolute ``span[title]``; and whether it was absolute."""
    for title in node.css("span[title]::attr(title)").getall():
        if is_absolute(title):
            return parse_discuz_time(title, now), True
    text = " ".join(node.css("::text").getall())
    return parse_discuz_time(text, now), is_absolute(text)


def parse_thread_list(response: TextResponse, now: datetime, selectors: DiscuzSelectors | None = None) -> ThreadList:
    """A board's list page: its thread rows and pagination. Raises PageParseError."""
    check_page(response)
    sel = selectors or DiscuzSelectors()
    base = get_base_url(response)
    rows = response.css(sel.thread_row) if sel.thread_row else \
        response.css("tbody[id^=normalthread_], tbody[id^=stickthread_]")
    threads: list[ThreadRow] = []
    for row in rows:
        link = row.css(sel.thread_link or "a.s.xst, a.xst")
        if not link:
            link = row.css("th a[href*='thread-'], th a[href*='tid='], a[href*='viewthread']")
        href = link.attrib.get("href") if link else None
        if not href:
            continue
        url = urljoin(base, href)
        match = _ROW_ID.match(row.attrib.get("id", ""))
        tid = int(match[2]) if match else thread_id_from_url(url)
        if tid is None:
            continue
        by_cells = row.css("td.by")
        author_cell = by_cells[0] if by_cells else row
        created = _time_of(author_cell.css("em") or author_cell, now)[0] if by_cells else None
        last_at, last_absolute = _time_of(by_cells[-1].css("em"), now) if len(by_cells) > 1 else (None, False)
        replies, views = _counts(row)
        threads.append(ThreadRow(
            tid=tid, title=" ".join(link[0].css("::text").getall()).strip(), url=url,
            sticky=bool(match and match[1] == "stick"),
            author=first_text(author_cell, "cite a", "cite") if by_cells else None,
            author_id=uid_of(author_cell.css("cite a::attr(href)").get()) if by_cells else None,
            created_at=created, replies=replies, views=views, last_post_at=last_at if last_absolute else None))
    page_text = " ".join(response.css("#threadlist ::text, .emp ::text").getall())
    empty = not threads and any(marker in page_text for marker in _EMPTY_BOARD)
    if not threads and not empty:
        raise PageParseError("no thread rows found on the list page (template changed?)")
    return ThreadList(threads, pagination(response, base), empty)


def _counts(row: Selector) -> tuple[int | None, int | None]:
    """Reply and view counts from ``td.num`` (``a.xi2`` + ``em``) or "12/345" text."""
    cell = row.css("td.num, td.nums")
    if not cell:
        return None, None
    replies = _int(cell.css("a::text, strong::text").get())
    views = _int(cell.css("em::text").get())
    if replies is None:
        numbers = re.findall(r"\d+", " ".join(cell.css("::text").getall()))
        replies = int(numbers[0]) if numbers else None
        views = int(numbers[1]) if len(numbers) > 1 else views
    return replies, views


def parse_thread_page(response: TextResponse, now: datetime, selectors: DiscuzSelectors | None = None) -> ThreadPage:
    """A thread page: subject, floors and pagination. Raises PageParseError."""
    check_page(response)
    sel = selectors or DiscuzSelectors()
    base = get_base_url(response)
    subject = first_text(response, sel.subject or "", "span#thread_subject", "#thread_subject", "h1.ts a", "h1.ts")
    if subject is None:
        title = response.css("title::text").get("")
        subject = re.split(r"\s+-\s+", title.strip())[0] if title.strip() else ""
    if sel.floor:
        nodes = response.css(sel.floor)
    else:
        nodes = [n for n in response.xpath("//table[starts-with(@id, 'pid')]") if re.fullmatch(r"pid\d+", n.attrib["id"])]
        if not nodes:  # themes that drop the table keep the div#post_PID
            nodes = [n for n in response.xpath("//div[starts-with(@id, 'post_')]") if re.fullmatch(r"post_\d+", n.attrib["id"])]
    floors = [floor for floor in (_floor(node, now, sel) for node in nodes) if floor is not None]
    if not floors:
        raise PageParseError("no floors found on the thread page (template changed?)")
    pages = pagination(response, base)
    floors = _number_floors(floors, pages.page)
    tid = thread_id_from_url(response.url) or thread_id_from_url(" ".join(response.css("a[id^=postnum]::attr(href)").getall()))
    return ThreadPage(tid, subject.strip(), floors, pages)


def _floor(node: Selector, now: datetime, sel: DiscuzSelectors) -> Floor | None:
    # Selectors stay pid-free so their CSS→XPath translation is compiled once, not per floor.
    pid = _int(node.attrib.get("id") or node.css("[id^=postmessage_]::attr(id)").get())
    if pid is None:
        return None
    body = node.css(sel.floor_content or "td.t_f[id^=postmessage_]") or node.css("[id^=postmessage_], .t_msgfont, td.t_f")
    if not body:
        return None  # a floor hidden by moderators ("作者被禁止或删除 内容自动屏蔽")
    author_link = node.css(sel.floor_author or "div.authi a.xw1")
    if not author_link:
        author_link = node.css(".pls .authi a, td.postauthor cite a, .postauthor a, .authi a[href*='uid']")
    author = " ".join(author_link[0].css("::text").getall()).strip() if author_link else \
        first_text(node, ".authi", "td.postauthor cite")
    time_node = node.css(sel.floor_time or "em[id^=authorposton]") or node.css(".authi em, .postinfo em")
    posted_at = _time_of(time_node[0], now)[0] if time_node else None
    label = node.css("a[id^=postnum]")
    number = _int(label.css("em::text").get()) if label else None
    if number is None and label:
        number = _NAMED_FLOORS.get("".join(label[0].css("::text").getall()).strip())
    quote = body.css("div.quote a[href*='pid=']::attr(href)").get()
    quote_match = re.search(r"pid=(\d+)", quote) if quote else None
    edited = bool(body.css("i.pstatus")) or "本帖最后由" in "".join(body.css("::text").getall()[:4])
    return Floor(pid=pid, floor=number, author=author or None,
                 author_id=uid_of(author_link.attrib.get("href")) if author_link else None, posted_at=posted_at,
                 text=post_text(body[0]), edited=edited, quote_pid=int(quote_match[1]) if quote_match else None)


def _number_floors(floors: list[Floor], page: int) -> list[Floor]:
    """Fill missing floor numbers from a numbered neighbour, or from the position on page 1."""
    anchor = next(((i, f.floor) for i, f in enumerate(floors) if f.floor is not None), None)
    if anchor is None and page != 1:
        return floors
    index, number = anchor or (0, 1)
    return [f if f.floor is not None else Floor(f.pid, number + i - index, f.author, f.author_id, f.posted_at,
                                                f.text, f.edited, f.quote_pid)
            for i, f in enumerate(floors)]
