"""Shared pieces of the Discuz! page objects: page checks, post text, pagination.

Post text drops what is not the author's words: quoted floors (``div.quote``), edit
notes ("本帖最后由 … 编辑"), signatures, attachment boxes and the "jammer" characters
Discuz hides with CSS to spoil copy-and-paste.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree
from parsel import Selector
from scrapy.http import TextResponse

# Removed from post bodies before taking their text.
_NOT_AUTHORS_WORDS = (
    "div.quote", "div.blockcode", "i.pstatus", "font.jammer", "span.jammer", "div.sign", "script", "style",
    "ignore_js_op", "div.attach_nopermission", "div.tip", "div.locked", "dl.tattl", "div.mbn.savephotop",
    "div.xs0", '[style*="display:none"]', '[style*="display: none"]',
)
_UNWANTED_CSS = ", ".join(_NOT_AUTHORS_WORDS)
_EDIT_NOTE = re.compile(r"\[?\s*本帖最后由\s*\S.*?于\s*[\d\-/: ]+\s*编辑\s*\]?")
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页")
_BLANK_LINES = re.compile(r"\n{3,}")


class PageParseError(ValueError):
    """A page that cannot be read: truncated, mis-encoded or in an unexpected template."""


@dataclass(frozen=True)
class Pagination:
    page: int
    total_pages: int
    next_url: str | None


def check_page(response: TextResponse) -> None:
    """Raise PageParseError for a page that is truncated, mis-encoded or not HTML."""
    if not isinstance(response, TextResponse):
        raise PageParseError(f"not a text page ({response.headers.get('Content-Type', b'?').decode('latin-1')})")
    body = response.body
    if not body.strip():
        raise PageParseError("empty page")
    if b"</html>" not in body[-4096:].lower():
        raise PageParseError(f"truncated page ({len(body)} bytes, no closing </html>)")
    text = response.text
    bad = text.count("\ufffd")
    if bad > max(3, len(text) // 200):
        raise PageParseError(f"mis-encoded page: {bad} undecodable characters as {response.encoding}")


def post_text(node: Selector) -> str:
    """The author's own words in a post body, with line breaks kept."""
    root = copy.deepcopy(node.root)
    # One query for everything unwanted; nested matches go with their ancestor.
    for unwanted in Selector(root=root).css(_UNWANTED_CSS):
        element = unwanted.root
        if isinstance(element, etree._Element) and element.getparent() is not None and _attached(element, root):
            _drop_keeping_tail(element)
    # Source line breaks are only whitespace in HTML; the breaks a reader sees are <br> and blocks.
    for element in root.iter():
        if element.text:
            element.text = element.text.replace("\r", "").replace("\n", " ")
        if element.tail:
            element.tail = element.tail.replace("\r", "").replace("\n", " ")
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in root.iter("p", "div", "li", "tr"):
        block.tail = "\n" + (block.tail or "")
    text = "".join(root.itertext()).replace("\r", "").replace("\u00a0", " ").replace("\u3000", " ")
    text = _EDIT_NOTE.sub("", text)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def _attached(element: etree._Element, root: etree._Element) -> bool:
    """Whether ``element`` is still under ``root`` (an ancestor may have been dropped)."""
    parent = element.getparent()
    while parent is not None:
        if parent is root:
            return True
        parent = parent.getparent()
    return element is root


def _drop_keeping_tail(element: etree._Element) -> None:
    parent = element.getparent()
    tail = element.tail or ""
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)


def pagination(selector: Selector, url: str) -> Pagination:
    """Current page, page count and next-page URL from the first ``div.pg`` (none: 1 of 1)."""
    pager = selector.css("div.pg")
    if not pager:
        return Pagination(1, 1, None)
    pager = pager[0]
    current = pager.css("strong::text").get("1").strip()
    page = int(current) if current.isdigit() else 1
    total = page
    if match := _TOTAL_PAGES.search(" ".join(pager.css("span::attr(title), span::text, label ::text").getall())):
        total = int(match[1])
    for label in pager.css("a::text").getall():
        digits = re.sub(r"\D", "", label)
        if digits:
            total = max(total, int(digits))
    next_href = pager.css("a.nxt::attr(href)").get()
    next_url = urljoin(url, next_href) if next_href and not next_href.startswith("javascript") else None
    return Pagination(page, max(total, page), next_url)


def first_text(selector: Selector, *queries: str) -> str | None:
    """The stripped text of the first query that matches something non-blank."""
    for query in queries:
        if not query:
            continue
        for found in selector.css(query):
            text = " ".join(t.strip() for t in found.css("::text").getall() if t.strip())
            if text:
                return text
    return None


def uid_of(href: str | None) -> str | None:
    """The member id in a space link (``home.php?mod=space&uid=5`` or ``space-uid-5.html``)."""
    if not href:
        return None
    match = re.search(r"uid[=-](\d+)", href)
    return match[1] if match else None
