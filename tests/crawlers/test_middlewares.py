"""Retries with backoff: Retry-After is honoured, other failures back off exponentially."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from crawlers.middlewares import BackoffRetryMiddleware, retry_after_seconds

DELAY = "minsheng_retry_delay_s"


def middleware(**settings: object) -> BackoffRetryMiddleware:
    crawler = get_crawler(settings_dict={"RETRY_TIMES": 2, "RETRY_BACKOFF_BASE_S": 1.0, **settings})
    crawler.spider = crawler._create_spider("probe")
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_retry_after_forms():
    now = datetime(2025, 6, 3, tzinfo=timezone.utc)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True), now) == 90.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_429_retry_waits_as_asked():
    mw = middleware()
    request = Request("http://x/forum-2-1.html")
    retry = mw.process_response(request, Response(request.url, status=429, headers={"Retry-After": "3"}))
    assert isinstance(retry, Request) and retry.meta[DELAY] == 3.0 and retry.meta["retry_times"] == 1


def test_500_backs_off_exponentially_then_gives_up():
    mw = middleware()
    request = Request("http://x/thread-1-1-1.html")
    first = mw.process_response(request, Response(request.url, status=500))
    second = mw.process_response(first, Response(request.url, status=500))
    assert 0.8 <= first.meta[DELAY] <= 1.2 and 1.6 <= second.meta[DELAY] <= 2.4
    final = mw.process_response(second, Response(request.url, status=500))
    assert isinstance(final, Response) and final.status == 500


def test_timeouts_are_retried_with_backoff():
    from twisted.internet.error import TimeoutError as TxTimeout

    mw = middleware()
    retry = mw.process_exception(Request("http://x/thread-1-1-1.html"), TxTimeout())
    assert isinstance(retry, Request) and retry.meta[DELAY] > 0


def test_a_long_retry_after_is_left_to_the_next_run():
    mw = middleware(RETRY_AFTER_MAX_S=60)
    request = Request("http://x/forum-2-1.html")
    response = Response(request.url, status=429, headers={"Retry-After": "3600"})
    assert mw.process_response(request, response) is response


def test_success_passes_through():
    mw = middleware()
    request = Request("http://x/")
    response = Response(request.url, status=200)
    assert mw.process_response(request, response) is response
