"""Captcha and login pages are told apart from ordinary pages by structure, never by post text."""
from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse, TextResponse
from scrapy.statscollectors import MemoryStatsCollector

from crawlers.walls import AccessWallDetector, classify

FIXTURES = Path(__file__).parent / "fixtures"


def html(body: str, url: str = "http://bbs.example.cn/forum.php?mod=viewthread&tid=1") -> HtmlResponse:
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", headers={"Content-Type": "text/html"})


DISCUZ_LOGIN = """<html><head><title>提示信息 - 禾城论坛</title></head><body><div id="messagetext" class="alert_error">
<p>抱歉，您尚未登录，没有权限访问该版块</p></div></body></html>"""
SLIDER = """<html><head><title>请稍候</title></head><body><div id="captcha_container" class="secsdk-captcha-drag">
</div><script src="/static/slide-verify.js"></script></body></html>"""
VERIFY_TITLE = "<html><head><title>安全验证 - 访问过于频繁</title></head><body>请完成验证</body></html>"
COMPLAINT = """<html><head><title>办社保收不到验证码，登录不了 - 禾城论坛</title></head><body><div id="post_1">
<td class="t_f" id="postmessage_1">手机收不到验证码，网站请先登录也登录不上，怎么办？</td></div></body></html>"""


def test_walls_are_recognised() -> None:
    assert classify(html(DISCUZ_LOGIN)) == "login"
    assert classify(html(SLIDER)) == "captcha"
    assert classify(html(VERIFY_TITLE)) == "captcha"
    assert classify(html("<html><body>x</body></html>",
                         url="http://bbs.example.cn/member.php?mod=logging&action=login")) == "login"
    form = "<html><head><title>用户登录</title></head><body><input type='password' name='pw'></body></html>"
    assert classify(html(form)) == "login"


def test_residents_talking_about_codes_and_logins_is_not_a_wall() -> None:
    # The subject in the title says 验证码 and 登录, but the page holds a floor: it is content.
    assert classify(html(COMPLAINT)) is None
    long_page = "<html><head><title>验证码收不到</title></head><body>" + "反映问题。" * 600 + "</body></html>"
    assert classify(html(long_page)) is None
    assert classify(html("<html><head><title>南湖民生 - 禾城论坛</title></head><body><form><input type='password'>"
                         "</form><p>请先登录</p></body></html>")) is None
    api = TextResponse("http://v.example.cn/aweme/v1/web/comment/list/", body=b'{"status_code": 0}',
                       headers={"Content-Type": "application/json"})
    assert classify(api) is None
    for name in sorted(FIXTURES.glob("*.html"))[:20]:
        page = HtmlResponse("http://bbs.example.cn/forum.php", body=name.read_bytes())
        assert classify(page) is None, name.name


def test_middleware_counts_walls_in_stats() -> None:
    from scrapy.utils.test import get_crawler

    crawler = get_crawler()
    crawler.stats = MemoryStatsCollector(crawler)
    detector = AccessWallDetector(crawler)
    page = html(SLIDER, url="http://v.example.cn/video/1")
    assert detector.process_response(None, page) is page  # type: ignore[arg-type]
    detector.process_response(None, html("<html><head><title>ok</title></head></html>"))  # type: ignore[arg-type]
    stats = crawler.stats.get_stats()
    assert stats["walls/captcha"] == 1 and stats["walls/last_url"] == "http://v.example.cn/video/1"
    assert "walls/login" not in stats
