"""Browser-mode mechanics for the short-video spider: Chromium settings and response capture.

The comment API's first page is requested by the page's own JavaScript while it loads,
so the listener is attached in ``playwright_page_init_callback``, which scrapy-playwright
runs after creating the page and before ``page.goto``. Later pages come from scrolling
or "加载更多", or — when the page does not fire them — from ``fetch()`` inside the page,
which carries the page's cookies and whatever the site's own request hooks add.
"""
from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crawlers.pages.douyin import api_kind

log = logging.getLogger(__name__)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
_BLOCKED_TYPES = frozenset({"image", "font", "media"})
# Generic "load more" affordances; the scroll below covers infinite-scroll panels.
_MORE_TEXTS = ("加载更多", "查看更多评论", "展开更多评论", "更多评论")

_TRIGGER_MORE_JS = """(texts) => {
  window.scrollTo(0, document.body.scrollHeight);
  window.dispatchEvent(new Event('scroll'));
  for (const el of document.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (el.scrollHeight > el.clientHeight + 10 && /(auto|scroll)/.test(style.overflowY)) {
      el.scrollTop = el.scrollHeight;
      el.dispatchEvent(new Event('scroll'));
    }
  }
  // Real controls first; then leaf divs/spans, never a wrapper that would swallow the click.
  for (const selector of ['button, a, [role=button]', 'div, span']) {
    for (const el of document.querySelectorAll(selector)) {
      const text = (el.innerText || '').trim();
      const leaf = selector.startsWith('button') || el.children.length === 0;
      if (leaf && texts.includes(text) && el.offsetParent !== null && !el.disabled) { el.click(); return true; }
    }
  }
  return false;
}"""

_FETCH_JS = """async (url) => {
  const r = await fetch(url, {credentials: 'include'});
  return {status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text()};
}"""


def browser_settings(chromium_path: str, concurrency: int) -> dict[str, Any]:
    """Scrapy settings that route ``meta["playwright"]`` requests through headless Chromium."""
    handler = "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium_path, "args": CHROMIUM_ARGS,
                                      "headless": True},
        "PLAYWRIGHT_ABORT_REQUEST": "crawlers.spiders.douyin_browser.abort_heavy_request",
        # The spider keeps ``concurrency`` tabs per source; these caps only back that up
        # (open tabs are what browser memory grows with).
        "PLAYWRIGHT_MAX_CONTEXTS": concurrency,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": concurrency,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
    }


def abort_heavy_request(request: Any) -> bool:
    """Images, fonts and media cost bandwidth and memory and carry no comments."""
    return request.resource_type in _BLOCKED_TYPES


@dataclass
class Captured:
    """One comment-API answer the page received: request URL, HTTP status, parsed JSON (or None)."""

    url: str
    status: int
    payload: Any
    retry_after: float | None = None

    @property
    def cursor(self) -> int | None:
        values = parse_qs(urlsplit(self.url).query).get("cursor")
        try:
            return int(values[0]) if values else 0
        except ValueError:
            return None


@dataclass
class CommentCapture:
    """Comment-list and video-detail responses seen by one page, in arrival order."""

    # Only answers about this video count: a reused tab may still receive a late
    # answer meant for the video it showed before.
    aweme_id: str | None = None
    lists: list[Captured] = field(default_factory=list)
    detail: Any = None
    errors: int = 0
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def on_response(self, response: Any) -> None:
        kind = api_kind(response.url)
        if kind not in ("comments", "detail"):
            return  # replies are fetched by the spider itself; everything else is page noise
        named = parse_qs(urlsplit(response.url).query).get("aweme_id")
        if self.aweme_id and named and named[0] != self.aweme_id:
            return
        try:
            body = await response.body()
            payload = json.loads(body) if response.ok else None
        except Exception as exc:  # a closed page or a non-JSON answer: one error, no crash
            log.debug("unreadable API response %s: %s", response.url, exc)
            payload = None
        if kind == "detail":
            self.detail = payload if payload is not None else self.detail
            return
        if not response.ok or payload is None:
            self.errors += 1
        self.lists.append(Captured(response.url, response.status, payload))
        self._arrived.set()

    def find(self, cursor: int) -> Captured | None:
        """The newest good answer for ``cursor``, if the page fetched it."""
        for item in reversed(self.lists):
            if item.cursor == cursor and item.status == 200 and item.payload is not None:
                return item
        return None

    async def wait_for(self, cursor: int, timeout_s: float) -> Captured | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while (found := self.find(cursor)) is None:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                return None
        return found

    def template(self) -> str | None:
        """A list URL the page itself used: its extra parameters are reused for our fetches."""
        return self.lists[0].url if self.lists else None


async def attach_capture(page: Any, request: Any) -> None:
    """``playwright_page_init_callback``: listen before navigation; add the source's cookies."""
    capture = CommentCapture(aweme_id=request.meta.get("aweme_id"))
    request.meta["douyin_capture"] = capture
    page.on("response", capture.on_response)
    cookies = request.meta.get("douyin_cookies") or {}
    if cookies:
        parts = urlsplit(request.url)
        await page.context.add_cookies([{"name": k, "value": v, "url": f"{parts.scheme}://{parts.netloc}/"}
                                        for k, v in cookies.items()])


async def trigger_more(page: Any) -> None:
    """Scroll to the bottom (window and scrollable panels) and click a "more" control if shown."""
    await page.evaluate(_TRIGGER_MORE_JS, list(_MORE_TEXTS))


async def fetch_in_page(page: Any, url: str) -> Captured:
    """GET ``url`` with the page's fetch(); never raises for HTTP errors."""
    result = await page.evaluate(_FETCH_JS, url)
    try:
        payload = json.loads(result["body"]) if result["status"] == 200 else None
    except ValueError:
        payload = None
    retry_after = result.get("retryAfter")
    return Captured(url, int(result["status"]), payload,
                    float(retry_after) if retry_after and retry_after.isdigit() else None)


async def close_tab(page: Any) -> None:
    """Close one tab and keep its context (other tabs of the source share it)."""
    try:
        await page.close()
    except Exception as exc:  # already closed, or the browser went away
        log.debug("closing %s: %s", page, exc)
