"""Downloader middlewares: robots.txt for every waiting request, and retries with backoff.

Scrapy's stock RetryMiddleware re-queues a failed request at once; a forum answering
500 or 429 needs a pause first. The delay rides on the retry request's meta and is
slept (without blocking the reactor) just before that request is downloaded again.

Scrapy 2.19's RobotsTxtMiddleware lets several requests await one Deferred while
robots.txt downloads; awaiting a Deferred as a future consumes its result, so only the
first waiter gets the parser and the others are let through unchecked. Each waiter
here gets its own Deferred, fed from the shared one without consuming it.
"""
from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

_DELAY_KEY = "minsheng_retry_delay_s"


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - (now or datetime.now(timezone.utc))).total_seconds())


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """RobotsTxtMiddleware whose requests waiting for robots.txt all get the parser."""

    async def robot_parser(self, request: Request) -> Any:
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result: Any) -> Any:
                waiter.callback(result)
                return result  # keep it for the next waiter

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware plus a pause before each retry: Retry-After, else base·2ⁿ with jitter."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base_s = settings.getfloat("RETRY_BACKOFF_BASE_S", 0.5)
        self.max_s = settings.getfloat("RETRY_BACKOFF_MAX_S", 30.0)
        self.retry_after_max_s = settings.getfloat("RETRY_AFTER_MAX_S", 120.0)
        self.jitter = random.Random()

    def _backoff(self, retry_times: int) -> float:
        delay = min(self.max_s, self.base_s * (2 ** max(retry_times - 1, 0)))
        # Jitter spreads retries of many pages that failed together.
        return delay * self.jitter.uniform(0.8, 1.2)

    def _with_delay(self, retry: Request | None, delay: float | None) -> Request | None:
        if retry is not None:
            retry.meta[_DELAY_KEY] = delay if delay is not None else self._backoff(retry.meta.get("retry_times", 1))
        return retry

    async def process_request(self, request: Request, spider: Any = None) -> None:
        delay = request.meta.pop(_DELAY_KEY, None)
        if delay:
            self.crawler.stats.inc_value("retry/backoff_seconds", round(delay, 3))
            await asyncio.sleep(delay)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response.status in (429, 503) else None
        if asked is not None and asked > self.retry_after_max_s:
            # A server asking for a long pause gets it on the next scheduled run, not now.
            self.crawler.stats.inc_value("retry/retry_after_too_long")
            return response
        retry = self._retry(request, f"{response.status}")
        return self._with_delay(retry, asked) or response

    def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Request | None:
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return self._with_delay(self._retry(request, exception), None)
