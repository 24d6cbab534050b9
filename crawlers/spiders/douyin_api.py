"""API mode of the short-video spider: the comment JSON endpoints called directly.

Used when the source says ``mode: api`` and as the fallback for a video whose page
failed in the browser. 429 and 5xx are retried by the project's retry middleware
(backoff, ``Retry-After``); an error status that still reaches a callback has used up
its retries and is counted under ``errors/`` (the run's error count).
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from twisted.python.failure import Failure

from crawlers.pages.douyin import (COMMENT_LIST_PATH, DETAIL_PATH, REPLY_LIST_PATH, CommentApiError,
                                   api_url, parse_comment_page, parse_video_detail)

if TYPE_CHECKING:
    from crawlers.spiders.douyin import VideoJob

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 522, 524})
PAGE_SIZE = 20  # what the web app asks for; larger counts are capped or refused by the platform


def retry_delay(attempt: int, retry_after: float | None) -> float:
    """Seconds to wait before attempt ``attempt + 1``: the server's word, else exponential backoff.

    Jitter (never below what the server asked) keeps parallel requests that failed
    together from retrying together and meeting the same rate limit again.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), 60.0) * random.uniform(1.0, 1.5)
    return min(0.25 * 2 ** attempt, 10.0) * random.uniform(0.8, 1.2)


class ApiModeMixin:
    """Request chains per video: detail → comment pages → reply pages. Needs DouyinSpider's state."""

    jobs: dict[str, "VideoJob"]

    # -- request building -----------------------------------------------------------------
    def _api_request(self, job: "VideoJob", path: str, params: dict[str, Any], callback: Any,
                     **cb_kwargs: Any) -> scrapy.Request:
        job.pending += 1
        return scrapy.Request(
            api_url(job.url, path, params), callback=callback, errback=self.api_failed,
            cb_kwargs={"aweme_id": job.aweme_id, **cb_kwargs}, dont_filter=True,
            headers={"Referer": job.url, "Accept": "application/json", **self.source_headers()},
            cookies=dict(self.source.cookies),
            meta={"handle_httpstatus_all": True})

    def api_start(self, job: "VideoJob") -> list[Any]:
        """The first request of a video's chain (and the video post, when already known)."""
        if job.info is None:
            return [self._api_request(job, DETAIL_PATH, {"aweme_id": job.aweme_id}, self.api_detail)]
        return [*self.video_found(job, None), self.comment_page_request(job, 0)]

    def comment_page_request(self, job: "VideoJob", cursor: int) -> scrapy.Request:
        return self._api_request(job, COMMENT_LIST_PATH,
                                 {"aweme_id": job.aweme_id, "cursor": cursor, "count": PAGE_SIZE},
                                 self.api_comments, cursor=cursor)

    def reply_page_request(self, job: "VideoJob", comment_id: str, cursor: int) -> scrapy.Request:
        return self._api_request(job, REPLY_LIST_PATH,
                                 {"item_id": job.aweme_id, "comment_id": comment_id, "cursor": cursor,
                                  "count": PAGE_SIZE}, self.api_replies, comment_id=comment_id, cursor=cursor)

    # -- errors ------------------------------------------------------------------------------
    def _payload(self, response: scrapy.http.Response) -> Any:
        """The parsed JSON answer, or None (counted as an error) when retries did not help."""
        if response.status == 200:
            try:
                return json.loads(response.text)
            except ValueError:
                reason = "invalid_json"
        else:
            reason = str(response.status)
        self.count_api_error(reason)
        self.crawler.stats.inc_value("errors/douyin_api")
        self.logger.error("comment API gave up on %s: %s", response.url, reason)
        return None

    def api_failed(self, failure: Failure) -> Iterator[Any]:
        """Connection errors and timeouts that outlived the retry middleware."""
        request = failure.request
        self.count_api_error(type(failure.value).__name__)
        self.crawler.stats.inc_value("errors/douyin_request")
        self.logger.error("comment API request %s failed: %s", request.url, failure.value)
        job = self.jobs[request.cb_kwargs["aweme_id"]]
        job.failed = True
        yield from self.request_done(job)

    # -- callbacks ----------------------------------------------------------------------------
    def api_detail(self, response: scrapy.http.Response, aweme_id: str) -> Iterator[Any]:
        job = self.jobs[aweme_id]
        payload = self._payload(response)
        if isinstance(payload, dict) and "aweme_detail" in payload and not payload["aweme_detail"]:
            # The platform says the video is gone (deleted, private): nothing to page through.
            self.crawler.stats.inc_value("errors/douyin_video_missing")
            self.logger.error("video %s is not available (%s)", aweme_id, payload.get("status_msg") or "no detail")
            yield from self.request_done(job)
            return
        # Without a detail answer the comments still count; the title is then unknown.
        job.info = parse_video_detail(payload, aweme_id) if payload is not None else None
        yield from self.video_found(job, None)
        yield self.comment_page_request(job, 0)
        yield from self.request_done(job)

    def _comment_page(self, response: scrapy.http.Response, where: str) -> Any:
        """The parsed comment or reply page, or None (counted and logged) when unusable."""
        payload = self._payload(response)
        try:
            return parse_comment_page(payload) if payload is not None else None
        except CommentApiError as exc:
            self.count_api_error("status_code")
            self.crawler.stats.inc_value("errors/douyin_api")
            self.logger.error("%s: %s", where, exc)
            return None

    def api_comments(self, response: scrapy.http.Response, aweme_id: str, cursor: int) -> Iterator[Any]:
        job = self.jobs[aweme_id]
        page = self._comment_page(response, f"{aweme_id} cursor {cursor}")
        if page is None:
            job.failed = True
        else:
            job.progress.list_total = page.total
            yield from self.take_comments(job, page.comments, None)
            for comment in page.comments:
                cid, total = str(comment["cid"]), int(comment.get("reply_comment_total") or 0)
                if job.progress.wants_replies(cid, total):
                    job.reply_expected[cid] = total
                    yield self.reply_page_request(job, cid, 0)
            cids = [str(c["cid"]) for c in page.comments]
            if job.progress.keep_paging(cids, page.has_more) and page.cursor != cursor:
                yield self.comment_page_request(job, page.cursor)
        yield from self.request_done(job)

    def api_replies(self, response: scrapy.http.Response, aweme_id: str, comment_id: str,
                    cursor: int) -> Iterator[Any]:
        job = self.jobs[aweme_id]
        page = self._comment_page(response, f"{aweme_id} replies of {comment_id}")
        if page is None:
            job.failed = True
        else:
            yield from self.take_comments(job, page.comments, comment_id)
            if page.has_more and page.comments and page.cursor != cursor and not job.progress.full:
                yield self.reply_page_request(job, comment_id, page.cursor)
            else:
                job.progress.note_reply_total(comment_id, job.reply_expected.get(comment_id, page.total or 0))
        yield from self.request_done(job)
