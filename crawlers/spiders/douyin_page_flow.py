"""Browser mode of the short-video spider: a few Chromium tabs, each paging one video to the end.

A tab that finished a video goes straight on to the next waiting one (same context,
so the site's script stays cached), which saves a tab's set-up per video.

The page's own comment requests are read as they arrive (including the first, fired
during load); when the page stops asking — no scroll loader, a failed request, a
server-rendered first page — the spider asks through ``fetch()`` inside the page. A
video whose page cannot be used at all falls back to API mode.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import scrapy
from twisted.python.failure import Failure

from crawlers.items import RawPost
from crawlers.pages.douyin import (COMMENT_LIST_PATH, REPLY_LIST_PATH, CommentApiError, CommentPage,
                                   api_url, parse_comment_page, parse_video_detail,
                                   video_info_from_html, with_params)
from crawlers.spiders.douyin_api import PAGE_SIZE, RETRY_STATUSES, retry_delay
from crawlers.spiders.douyin_browser import Captured, CommentCapture, close_tab, fetch_in_page, trigger_more

if TYPE_CHECKING:
    from crawlers.spiders.douyin import VideoJob

INIT_CALLBACK = "crawlers.spiders.douyin_browser.attach_capture"


class BrowserModeMixin:
    """Callbacks for ``meta["playwright"]`` video pages. Needs DouyinSpider's state."""

    # How long to wait for the page's own requests before asking through fetch().
    first_page_wait_s = 4.0
    next_page_wait_s = 2.0
    reply_parallel = 4

    def browser_requests(self, job: "VideoJob") -> list[scrapy.Request]:
        """A page for ``job`` now if fewer than ``browser_pages`` are open, else when one frees up.

        The spider hands each finished page straight to the next waiting video, so a
        crawl opens ``browser_pages`` tabs once instead of a tab (and its set-up) per video.
        """
        if self._browser_open < self.browser_pages:
            self._browser_open += 1
            return [self.browser_request(job)]
        self._browser_waiting.append(job)
        return []

    async def _hand_on(self, page: Any | None) -> list[scrapy.Request]:
        """After a video: its tab takes the next waiting video, or closes with its slot."""
        if self._browser_waiting:
            return [self.browser_request(self._browser_waiting.popleft(), page)]
        self._browser_open -= 1
        if page is not None:
            await close_tab(page)
        return []

    def browser_request(self, job: "VideoJob", page: Any | None = None) -> scrapy.Request:
        meta = {"playwright": True, "playwright_include_page": True,
                # One context per source: its cookies are the source's, and tabs are reused in it.
                "playwright_context": f"douyin-{self.source.id}",
                "playwright_context_kwargs": {"extra_http_headers": dict(self.source.headers)},
                "playwright_page_init_callback": INIT_CALLBACK,
                "douyin_cookies": dict(self.source.cookies), "aweme_id": job.aweme_id}
        if page is not None:
            meta["playwright_page"] = page
        return scrapy.Request(job.url, callback=self.parse_video_page, errback=self.video_page_failed,
                              dont_filter=True, headers=self.source_headers(), meta=meta)

    async def parse_video_page(self, response: scrapy.http.Response) -> AsyncIterator[Any]:
        page = response.meta["playwright_page"]
        job = self.jobs[response.meta["aweme_id"]]
        capture: CommentCapture = response.meta["douyin_capture"]
        fallback = False
        try:
            if job.info is None:
                job.info = parse_video_detail(capture.detail, job.aweme_id) if capture.detail else None
            for item in self.video_found(job, video_info_from_html(response.text, job.aweme_id)):
                yield item
            async for item in self._page_through(page, capture, job):
                yield item
        except Exception as exc:  # any page trouble: the API path can still get the comments
            self.crawler.stats.inc_value("douyin/browser_failures")
            self.logger.error("video %s in the browser failed (%s: %s); falling back to API mode",
                              job.aweme_id, type(exc).__name__, exc)
            fallback = True
        finally:
            page.remove_listener("response", capture.on_response)
            if fallback:
                await close_tab(page)  # a troubled tab is not handed on
            self.crawler.stats.inc_value("douyin/api_errors", capture.errors)
            self.crawler.stats.inc_value("douyin/api_errors/page", capture.errors)
        for request in await self._hand_on(None if fallback or page.is_closed() else page):
            yield request
        if fallback:
            # Page from the start: what the browser took is known, so nothing is emitted twice.
            job.progress.full_refresh = True
            for request in self.api_start(job):
                yield request
        else:
            for item in self.finish_video(job):
                yield item

    async def video_page_failed(self, failure: Failure) -> AsyncIterator[Any]:
        """Navigation failed: close what was opened, then try the API for this video."""
        page = failure.request.meta.get("playwright_page")
        if page is not None:
            await close_tab(page)
        for request in await self._hand_on(None):
            yield request
        job = self.jobs[failure.request.meta["aweme_id"]]
        self.crawler.stats.inc_value("douyin/browser_failures")
        self.logger.error("video page %s failed: %s; falling back to API mode", job.url, failure.value)
        job.progress.full_refresh = True
        for request in self.api_start(job):
            yield request

    # -- paging -----------------------------------------------------------------------------
    async def _page_through(self, page: Any, capture: CommentCapture, job: "VideoJob") -> AsyncIterator[RawPost]:
        cursor = 0
        while True:
            got = capture.find(cursor)
            if got is None and cursor == 0:
                got = await capture.wait_for(cursor, self.first_page_wait_s)
            elif got is None:
                # Scroll (or click "more") at once: the page's loader ignores it while busy.
                await trigger_more(page)
                got = await capture.wait_for(cursor, self.next_page_wait_s)
            source = "captured" if got is not None else "fetched"
            if got is None:
                template = capture.template() or api_url(job.url, COMMENT_LIST_PATH,
                                                         {"aweme_id": job.aweme_id, "count": PAGE_SIZE})
                got = await self._fetch_retrying(page, with_params(template, cursor=cursor))
            # captured: the page asked by itself (on load, scroll or click); fetched: we asked.
            self.crawler.stats.inc_value(f"douyin/pages/{source}")
            if cursor == 0 and source == "captured":
                self.crawler.stats.inc_value("douyin/first_page_captured")
            result = parse_comment_page(got.payload)
            job.progress.list_total = result.total
            for post in self.take_comments(job, result.comments, None):
                yield post
            for post in await self._all_replies(page, job, result):
                yield post
            cids = [str(c["cid"]) for c in result.comments]
            if not job.progress.keep_paging(cids, result.has_more) or result.cursor == cursor:
                return
            cursor = result.cursor

    async def _all_replies(self, page: Any, job: "VideoJob", result: CommentPage) -> list[RawPost]:
        wanted = [(str(c["cid"]), int(c.get("reply_comment_total") or 0)) for c in result.comments]
        wanted = [(cid, total) for cid, total in wanted if job.progress.wants_replies(cid, total)]
        limit = asyncio.Semaphore(self.reply_parallel)

        async def one(cid: str) -> list[dict[str, Any]]:
            async with limit:
                return await self._reply_comments(page, job, cid)

        pages = await asyncio.gather(*(one(cid) for cid, _ in wanted), return_exceptions=True)
        posts: list[RawPost] = []
        for (cid, total), replies in zip(wanted, pages):
            if isinstance(replies, BaseException):
                job.failed = True
                self.crawler.stats.inc_value("errors/douyin_replies")
                self.logger.error("replies of %s under %s failed: %s", cid, job.aweme_id, replies)
                continue
            posts.extend(self.take_comments(job, replies, cid))
            job.progress.note_reply_total(cid, total)
        return posts

    async def _reply_comments(self, page: Any, job: "VideoJob", cid: str) -> list[dict[str, Any]]:
        comments: list[dict[str, Any]] = []
        cursor = 0
        while True:
            url = api_url(job.url, REPLY_LIST_PATH, {"item_id": job.aweme_id, "comment_id": cid,
                                                     "cursor": cursor, "count": PAGE_SIZE})
            result = parse_comment_page((await self._fetch_retrying(page, url)).payload)
            comments.extend(result.comments)
            if not result.has_more or not result.comments or result.cursor == cursor:
                return comments
            cursor = result.cursor

    async def _fetch_retrying(self, page: Any, url: str) -> Captured:
        """fetch() in the page with the same retry policy as API mode; raises when it gives up."""
        for attempt in range(self.max_attempts):
            got = await fetch_in_page(page, url)
            if got.status == 200 and got.payload is not None:
                return got
            self.count_api_error(str(got.status) if got.status != 200 else "invalid_json")
            if got.status != 200 and got.status not in RETRY_STATUSES:
                break
            if attempt + 1 < self.max_attempts:
                self.crawler.stats.inc_value("douyin/retries")
                await asyncio.sleep(retry_delay(attempt, got.retry_after))
        self.crawler.stats.inc_value("douyin/gave_up")
        raise CommentApiError(f"{url}: no usable answer after {attempt + 1} attempt(s) (last HTTP {got.status})")
