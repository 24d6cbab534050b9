"""The short-video comment spider (source kind ``douyin``): every comment and reply under local videos.

Browser mode (default) renders each video page in headless Chromium and reads the
comment API answers the page receives; API mode calls the same endpoints directly.
Per video it emits the video (kind ``video``), its comments (``comment``) and replies
(``comment_reply``), and an incremental state so a re-crawl only takes new comments.

Coverage goes into the crawl stats: ``douyin/total_reported`` (the platform's own
counts) against ``douyin/covered`` (comments and replies stored), ``douyin/fetched``
(new in this run), and ``minsheng/coverage`` ({fetched, total, ratio}) for the summary.
"""
from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import scrapy

from api.settings import ConfigError
from crawlers.context import attach_context, politeness_settings
from crawlers.items import RawPost, StateUpdate
from crawlers.pages.douyin import (ACCOUNT_POSTS_PATH, CommentApiError, VideoInfo, api_url,
                                   aweme_id_from_url, comment_to_post, parse_account_posts,
                                   sec_uid_from_url, video_links, video_to_post)
from crawlers.sources import DouyinSource
from crawlers.spiders.douyin_api import ApiModeMixin
from crawlers.spiders.douyin_browser import browser_settings
from crawlers.spiders.douyin_page_flow import BrowserModeMixin
from crawlers.spiders.douyin_progress import STATE_PREFIX, VideoProgress, state_key


@dataclass
class VideoJob:
    """One video's crawl in this run."""

    aweme_id: str
    url: str
    progress: VideoProgress
    info: VideoInfo | None = None
    pending: int = 0  # API requests in flight (API mode)
    failed: bool = False
    done: bool = False
    video_emitted: bool = False
    reply_expected: dict[str, int] = field(default_factory=dict)


class DouyinSpider(BrowserModeMixin, ApiModeMixin, scrapy.Spider):
    name = "douyin"
    max_attempts = 6  # in-page fetches (browser mode); API mode uses RETRY_TIMES

    def __init__(self, source: str | DouyinSource | dict[str, Any] = "", config: str | None = None,
                 trigger: str = "manual", full_refresh: bool | str | None = None,
                 states: dict[str, dict[str, Any]] | None = None, chromium_path: str | None = None,
                 browser_pages: int | str | None = None, **kwargs: Any) -> None:
        """``scrapy crawl douyin -a source=ID [-a config=PATH] [-a full_refresh=1]``.

        ``source`` may also be a source model or dict with ``states`` given directly
        (the probe and bench run the spider without a store that way).
        """
        super().__init__(**kwargs)
        self.source_arg, self.config, self.trigger = source, config, trigger
        self.full_refresh_arg = None if full_refresh in (None, "") else str(full_refresh).lower() in ("1", "true", "yes")
        self.states = states
        self.chromium_path = chromium_path
        self.browser_pages = int(browser_pages) if browser_pages not in (None, "") else None
        self.jobs: dict[str, VideoJob] = {}
        # Browser mode: tabs in use, and videos waiting for one (see BrowserModeMixin).
        self._browser_open = 0
        self._browser_waiting: deque[VideoJob] = deque()

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> "DouyinSpider":
        spider = super().from_crawler(crawler, *args, **kwargs)
        if isinstance(spider.source_arg, str):
            context = attach_context(crawler, spider.source_arg, spider.config)
            if context.source.kind != "douyin":
                raise ConfigError(f"source {context.source.id!r} is a {context.source.kind} source, not douyin")
            spider.source, spider.context = context.source, context
            spider.chromium_path = spider.chromium_path or context.settings.crawl.chromium_path
            crawler.settings.setdict(politeness_settings(context.settings.crawl, context.source), priority="spider")
        else:
            source = spider.source_arg
            spider.source = source if isinstance(source, DouyinSource) else DouyinSource.model_validate(source)
            spider.context = None
        spider.chromium_path = spider.chromium_path or "/usr/bin/chromium"
        spider.browser_pages = spider.browser_pages or max(2, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 4))
        spider.full_refresh = spider.source.full_refresh if spider.full_refresh_arg is None else spider.full_refresh_arg
        if spider.source.mode == "browser":
            # Settings are still open here (the crawler freezes them after creating the
            # spider), and only browser-mode runs should start Playwright at all.
            crawler.settings.setdict(browser_settings(spider.chromium_path, spider.browser_pages),
                                     priority="spider")
        return spider

    def source_headers(self) -> dict[str, str]:
        headers = dict(self.source.headers)
        if self.source.user_agent:
            headers["User-Agent"] = self.source.user_agent
        return headers

    # -- entry ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        if self.states is None:
            self.states = self.context.store.get_states(self.source.id, STATE_PREFIX) if self.context else {}
        for url in self.source.videos:
            job = self._job(url)
            if job is None:
                self.logger.error("not a video page URL (no video id in it): %s", url)
                self.crawler.stats.inc_value("douyin/bad_urls")
                continue
            for request in self.video_requests(job):
                yield request
        for url in self.source.accounts:
            if sec_uid_from_url(url) is None:
                self.logger.error("not an account page URL (/user/<sec_uid>): %s", url)
                self.crawler.stats.inc_value("douyin/bad_urls")
                continue
            yield self._account_request(url)

    def _job(self, url: str) -> VideoJob | None:
        aweme_id = aweme_id_from_url(url)
        if aweme_id is None or aweme_id in self.jobs:
            return None
        progress = VideoProgress(aweme_id, self.states.get(state_key(aweme_id)),
                                 full_refresh=self.full_refresh, max_comments=self.source.max_comments)
        job = self.jobs[aweme_id] = VideoJob(aweme_id, url, progress)
        self.crawler.stats.inc_value("douyin/videos")
        return job

    def video_requests(self, job: VideoJob) -> list[scrapy.Request]:
        return self.browser_requests(job) if self.source.mode == "browser" else self.api_start(job)

    # -- accounts: find new videos of a local account --------------------------------------
    def _account_request(self, url: str) -> scrapy.Request:
        if self.source.mode == "browser":
            return scrapy.Request(url, callback=self.parse_account_page, dont_filter=True,
                                  meta={"playwright": True, "playwright_context": "accounts"})
        params = {"sec_user_id": sec_uid_from_url(url), "max_cursor": 0, "count": 20}
        return scrapy.Request(api_url(url, ACCOUNT_POSTS_PATH, params), callback=self.parse_account_posts,
                              cb_kwargs={"page_url": url}, dont_filter=True,
                              headers={"Referer": url, **self.source_headers()},
                              errback=self.account_failed)

    def parse_account_posts(self, response: scrapy.http.Response, page_url: str) -> Iterator[Any]:
        try:
            videos, _, _ = parse_account_posts(response.json())
        except (ValueError, CommentApiError) as exc:
            self.logger.warning("account list %s unusable (%s); reading the page's links", response.url, exc)
            yield scrapy.Request(page_url, callback=self.parse_account_page, dont_filter=True)
            return
        for info in videos:
            job = self._job(api_url(page_url, f"/video/{info.aweme_id}", {}).rstrip("?"))
            if job is not None:
                job.info = info
                yield from self.video_requests(job)

    def parse_account_page(self, response: scrapy.http.Response) -> Iterator[Any]:
        links = video_links(response.text, response.url)
        if not links:
            self.logger.warning("account page %s lists no videos", response.url)
        for link in links:
            job = self._job(link)
            if job is not None:
                yield from self.video_requests(job)

    def account_failed(self, failure: Any) -> None:
        self.crawler.stats.inc_value("errors/douyin_account")
        self.logger.error("account %s failed: %s", failure.request.url, failure.value)

    # -- shared by both modes ----------------------------------------------------------------
    def count_api_error(self, reason: str) -> None:
        self.crawler.stats.inc_value("douyin/api_errors")
        self.crawler.stats.inc_value(f"douyin/api_errors/{reason}")

    def video_found(self, job: VideoJob, html_fallback: VideoInfo | None) -> Iterator[RawPost]:
        """The video itself, once per run, as the thread its comments hang under."""
        job.info = job.info or html_fallback or VideoInfo(aweme_id=job.aweme_id)
        if job.video_emitted:
            return
        job.video_emitted = True
        yield video_to_post(job.info, source_id=self.source.id, url=job.url,
                            fetched_at=datetime.now(timezone.utc))

    def take_comments(self, job: VideoJob, comments: list[dict[str, Any]],
                      parent_cid: str | None) -> Iterator[RawPost]:
        """The comments of one page not stored before, as RawPosts."""
        video = job.info or VideoInfo(aweme_id=job.aweme_id)
        for comment in comments:
            cid = str(comment["cid"])
            if not job.progress.accept(cid, int(comment.get("create_time") or 0)):
                continue
            try:
                yield comment_to_post(comment, source_id=self.source.id, video=video, url=job.url,
                                      parent_cid=parent_cid)
            except (CommentApiError, ValueError) as exc:
                self.crawler.stats.inc_value("errors/douyin_invalid_comment")
                self.logger.warning("skipped comment %s of %s: %s", cid, job.aweme_id, exc)

    def request_done(self, job: VideoJob) -> Iterator[StateUpdate]:
        """One API request of ``job`` finished; when none is left, the video is done."""
        job.pending -= 1
        if job.pending <= 0:
            yield from self.finish_video(job)

    def finish_video(self, job: VideoJob) -> Iterator[StateUpdate]:
        if job.done:
            return
        job.done = True
        stats, progress = self.crawler.stats, job.progress
        stats.inc_value("douyin/fetched", progress.fetched)
        stats.inc_value("douyin/covered", progress.covered)
        stats.inc_value("douyin/total_reported", progress.total_reported)
        stats.inc_value("douyin/pages", progress.pages)
        if job.failed:
            stats.inc_value("douyin/incomplete_videos")
        total, covered = stats.get_value("douyin/total_reported", 0), stats.get_value("douyin/covered", 0)
        # The run summary line shows this: what we hold against what the platform reports.
        stats.set_value("minsheng/coverage", {"fetched": covered, "total": total,
                                              "ratio": round(covered / total, 4) if total else None})
        yield StateUpdate(source_id=self.source.id, key=state_key(job.aweme_id),
                          value=progress.to_state(complete=not job.failed))


__all__ = ["DouyinSpider", "STATE_PREFIX", "VideoJob"]
