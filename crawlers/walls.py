"""Login and anti-bot walls: count captcha and login pages in the crawl's stats.

403/429 storms are already counted by Scrapy (``downloader/response_status_count/N``);
what it cannot see is a 200 page that is really a captcha or a "please log in" notice.
This middleware sits below the retry middleware, so it sees every answer, and looks
only at page *structure* (title, the notice box, captcha widgets, login URLs), never
at post text: residents complain about verification codes and logins all the time.
The health rule ``access_wall`` reads ``walls/captcha`` and ``walls/login``.
"""
from __future__ import annotations

import re
from typing import Any

from scrapy.http import Request, Response, TextResponse

_LOGIN_URL = re.compile(r"member\.php\?mod=logging|/(?:login|signin|sign_in|passport)(?:[/?.]|$)|[?&]action=login",
                        re.IGNORECASE)
_CAPTCHA_WIDGET = re.compile(
    r"""(?:id|class|src)\s*=\s*["'][^"']*(?:captcha|geetest|verify-bar|nc_wrapper|slide-verify|secsdk)""",
    re.IGNORECASE)
_CAPTCHA_TITLE = ("验证码", "安全验证", "人机验证", "滑动验证", "访问验证", "安全检查", "captcha", "verify",
                  "访问过于频繁", "访问频率")
_LOGIN_TITLE = ("登录", "登陆", "log in", "login", "sign in")
# Discuz! shows "you must log in" in its message box (div#messagetext / .alert_error).
_LOGIN_NOTICE = ("您需要登录后才可以", "尚未登录", "请先登录", "登录后才能", "登录后可查看", "没有权限访问该版块")
_HEAD_BYTES = 65_536  # walls are small pages; no need to read a whole thread
_WALL_TEXT_CHARS = 2_000
# Discuz floors and thread rows, and comment lists: a page holding these is content.
_CONTENT = "[id^=postmessage_], tbody[id^=normalthread_], tbody[id^=stickthread_], [data-e2e=comment-list]"


def classify(response: Response) -> str | None:
    """``"captcha"``, ``"login"`` or None for one answer."""
    if _LOGIN_URL.search(response.url):
        return "login"
    if not isinstance(response, TextResponse) or b"html" not in response.headers.get("Content-Type", b"html").lower():
        return None
    if response.css(_CONTENT):
        return None  # posts or a thread list came through: whatever the title says, no wall
    head = response.text[:_HEAD_BYTES]
    if _CAPTCHA_WIDGET.search(head):
        return "captcha"
    notice = " ".join(response.css("#messagetext ::text, .alert_error ::text, .alert_info ::text").getall())
    if any(marker in notice for marker in _LOGIN_NOTICE):
        return "login"
    # A wall page is short; a long page whose title mentions codes or logins is content.
    title = " ".join(response.css("title::text").getall()).strip().lower()
    if len(" ".join(response.css("body ::text").getall()).strip()) > _WALL_TEXT_CHARS:
        return None
    if any(marker in title for marker in _CAPTCHA_TITLE):
        return "captcha"
    if any(marker in title for marker in _LOGIN_TITLE) and response.css("input[type=password]"):
        return "login"
    return None


class AccessWallDetector:
    """Downloader middleware: ``walls/captcha``, ``walls/login`` and ``walls/last_url`` in stats."""

    def __init__(self, crawler: Any) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "AccessWallDetector":
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        kind = classify(response)
        if kind is not None:
            self.stats.inc_value(f"walls/{kind}")
            self.stats.set_value("walls/last_url", response.url)
        return response
