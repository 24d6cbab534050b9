"""The ``discuz`` spider: watch Discuz! X boards incrementally and store every floor once.

    scrapy crawl discuz -a source=ID [-a config=PATH] [-a max_pages=N] [-a trigger=manual]

It walks each board's list pages, fetches only new or changed threads (from the last
page it had), yields one ``RawPost`` per floor and, after a thread's last page, a
``StateUpdate`` that the item pipeline saves only once those floors are stored.
Extraction lives in ``crawlers.pages.discuz``; a bad page is a logged error, not a crash.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse
from scrapy.utils.response import get_base_url
from twisted.python.failure import Failure

from api.settings import ConfigError
from crawlers.context import attach_context, politeness_settings
from crawlers.items import RawPost, StateUpdate
from crawlers.pages.discuz import Floor, PageParseError, ThreadPage, parse_thread_list, parse_thread_page
from crawlers.pages.discuz_time import server_now
from crawlers.spiders.discuz_progress import (BoardWalk, ThreadVisit, board_key, can_stop_walk, needs_fetch,
                                              thread_key, thread_page_url)


class DiscuzSpider(scrapy.Spider):
    name = "discuz"

    def __init__(self, source: str = "", config: str | None = None, max_pages: str | int | None = None,
                 trigger: str = "manual", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.source_id = source
        self.config = config
        self.max_pages_arg = int(max_pages) if max_pages not in (None, "") else None
        self.trigger = trigger
        self.states: dict[str, dict[str, Any]] = {}
        self.walks: dict[str, BoardWalk] = {}
        self.scheduled: set[int] = set()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "DiscuzSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        context = attach_context(crawler, spider.source_id, spider.config)
        if context.source.kind != "discuz":
            raise ConfigError(f"source {context.source.id!r} is a {context.source.kind} source, not discuz")
        spider.source = context.source
        spider.context = context
        spider.zone = ZoneInfo(context.settings.crawl.timezone)
        spider.max_pages = spider.max_pages_arg or context.source.max_pages
        # Settings are still open here: the crawler freezes them after creating the spider.
        crawler.settings.setdict(politeness_settings(context.settings.crawl, context.source), priority="spider")
        return spider

    # -- requests ---------------------------------------------------------------------
    def _request(self, url: str, callback: Any, **cb_kwargs: Any) -> Request:
        meta = {} if self.source.obey_robots else {"dont_obey_robotstxt": True}
        return Request(url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta,
                       headers=self.source.headers or None, cookies=self.source.cookies or None, dont_filter=True)

    def _now(self, response: TextResponse) -> datetime:
        return server_now(response.headers.get("Date"), self.zone, datetime.now(self.zone))

    def _decoded(self, response: Any) -> Any:
        if self.source.encoding and isinstance(response, TextResponse):
            return response.replace(encoding=self.source.encoding)
        return response

    async def start(self) -> AsyncIterator[Any]:
        store = self.context.store
        self.states = store.get_states(self.source.id, "thread:")
        boards = store.get_states(self.source.id, "board:")
        for url in self.source.boards:
            key = board_key(url)
            if key in self.walks:
                continue
            done_at = (boards.get(key) or {}).get("complete_walk_at")
            self.walks[key] = BoardWalk(url, datetime.fromisoformat(done_at) if done_at else None)
            yield self._request(url, self.parse_list, board=key, page=1)

    # -- list pages ---------------------------------------------------------------------
    def parse_list(self, response: Any, board: str, page: int) -> Iterator[Any]:
        walk = self.walks[board]
        walk.list_pages += 1
        now = self._now(response)
        if page == 1:
            walk.started_at = now
        try:
            listing = parse_thread_list(self._decoded(response), now, self.source.selectors)
        except PageParseError as exc:
            self._page_error(response, exc)
            walk.failed = walk.listing_done = True
            return
        for row in listing.threads:
            if row.tid in self.scheduled:
                continue  # a thread pushed down a page while we walked, or a sticky on every page
            state = self.states.get(thread_key(row.tid))
            if not needs_fetch(state, row):
                self.crawler.stats.inc_value("discuz/threads_unchanged")
                continue
            self.scheduled.add(row.tid)
            walk.outstanding += 1
            walk.changed.append(row.tid)
            last_page = int(state.get("last_page", 1)) if state else 1
            visit = ThreadVisit(board, row, start_page=last_page, also_first=last_page > 1)
            first = 1 if visit.also_first else last_page
            yield self._request(thread_page_url(row.url, first) or row.url, self.parse_thread, visit=visit)
        next_url = listing.pagination.next_url
        stop = (listing.empty or next_url is None or page >= self.max_pages
                or can_stop_walk(listing, self.states, self.scheduled, walk.complete_walk_at))
        if stop:
            walk.listing_done = True
            yield from self._finish_board(walk, board)
        else:
            yield self._request(urljoin(response.url, next_url), self.parse_list, board=board, page=page + 1)

    # -- thread pages -------------------------------------------------------------------
    def parse_thread(self, response: Any, visit: ThreadVisit) -> Iterator[Any]:
        now = self._now(response)
        try:
            page = parse_thread_page(self._decoded(response), now, self.source.selectors)
        except PageParseError as exc:
            self._page_error(response, exc)
            yield from self._end_visit(visit, failed=True)
            return
        visit.pages += 1
        visit.last_page = max(visit.last_page, page.pagination.page)
        base = get_base_url(response)
        for floor in page.floors:
            visit.last_pid = max(visit.last_pid, floor.pid)
            yield self._post(floor, visit, page, base, now)
        if visit.also_first and page.pagination.page == 1 and visit.start_page > 1:
            visit.also_first = False
            url = thread_page_url(visit.row.url, visit.start_page)
            if url:
                yield self._request(url, self.parse_thread, visit=visit)
                return
        if page.pagination.next_url and page.pagination.page < page.pagination.total_pages:
            if visit.pages >= self.source.max_thread_pages:
                yield from self._end_visit(visit, partial=True)  # the rest next run
                return
            yield self._request(page.pagination.next_url, self.parse_thread, visit=visit)
            return
        yield from self._end_visit(visit)

    def _post(self, floor: Floor, visit: ThreadVisit, page: ThreadPage, base: str, now: datetime) -> RawPost:
        tid = visit.row.tid
        thread_id = f"t{tid}"
        first = floor.floor == 1
        published = floor.posted_at or (visit.row.created_at if first else None)
        if published is None:
            self.crawler.stats.inc_value("discuz/floors_without_time")
            published = now
        url = visit.row.url if first else urljoin(base, f"forum.php?mod=redirect&goto=findpost&ptid={tid}&pid={floor.pid}")
        extra: dict[str, Any] = {"tid": tid, "pid": floor.pid, "board": self.walks[visit.board].url}
        if floor.edited:
            extra["edited"] = True
        if floor.quote_pid:
            extra["quote_pid"] = floor.quote_pid
        subject = page.subject or visit.row.title
        return RawPost(
            source_id=self.source.id, external_id=thread_id if first else f"p{floor.pid}",
            kind="thread" if first else "reply", title=subject if first else "", text=floor.text,
            published_at=published, url=url, parent_external_id=None if first else thread_id,
            thread_external_id=thread_id, author_id=floor.author_id, author_name=floor.author,
            reply_count=visit.row.replies if first else None, floor=floor.floor,
            context=None if first else subject, extra=extra)

    def _end_visit(self, visit: ThreadVisit, *, failed: bool = False, partial: bool = False) -> Iterator[Any]:
        walk = self.walks[visit.board]
        walk.outstanding -= 1
        if failed:
            walk.failed = True
        else:
            yield StateUpdate(source_id=self.source.id, key=thread_key(visit.row.tid), value=visit.state(partial))
        yield from self._finish_board(walk, visit.board)

    def _finish_board(self, walk: BoardWalk, board: str) -> Iterator[Any]:
        if self.crawler.settings.getbool("MINSHENG_SHARED_FRONTIER"):
            # Workers sharing a Redis frontier each see part of a walk: none may call it complete.
            return
        if walk.ready() and walk.started_at is not None:
            walk.finished = True
            yield StateUpdate(source_id=self.source.id, key=board,
                              value={"url": walk.url, "complete_walk_at": walk.started_at.isoformat(),
                                     "list_pages": walk.list_pages, "changed_threads": len(walk.changed)})

    # -- errors -------------------------------------------------------------------------
    def _page_error(self, response: Any, exc: Exception) -> None:
        self.crawler.stats.inc_value("errors/parse")
        self.logger.error("parse error: %s: %s", response.url, exc)

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        if failure.check(IgnoreRequest):
            # robots.txt (or another policy) says no: obeyed, not an error.
            self.crawler.stats.inc_value("discuz/ignored_requests")
            self.logger.warning("not fetched: %s: %s", request.url, failure.getErrorMessage())
            failed = False
        else:
            self.crawler.stats.inc_value("errors/request")
            self.logger.error("request failed: %s: %s", request.url, failure.getErrorMessage())
            failed = True
        visit = request.cb_kwargs.get("visit")
        if visit is not None:
            yield from self._end_visit(visit, failed=True) if failed else self._end_visit_silently(visit)
            return
        walk = self.walks.get(request.cb_kwargs.get("board", ""))
        if walk is not None:
            walk.listing_done = True
            walk.failed = walk.failed or failed
            yield from self._finish_board(walk, request.cb_kwargs["board"])

    def _end_visit_silently(self, visit: ThreadVisit) -> Iterator[Any]:
        """A thread robots.txt forbids: not an error, and no state to save."""
        walk = self.walks[visit.board]
        walk.outstanding -= 1
        yield from self._finish_board(walk, visit.board)
