"""Highlighting: raw post text, HTML-escaped, with the query's tokens in <em>…</em>.

Post text is hostile input (forum HTML, scripts in comments), so every character of
it is escaped and only our own ``<em>`` tags are emitted. It runs on the raw text,
not on the engine's tokens, so both engines return identical highlights.
"""
from __future__ import annotations

import html
import re

from index.search.base import SearchDoc

FRAGMENT_CHARS = 160


def _pattern(tokens: list[str]) -> re.Pattern[str] | None:
    words = sorted({t for t in tokens if t}, key=len, reverse=True)  # longest first
    if not words:
        return None
    parts = []
    for word in words:
        escaped = re.escape(word)
        # A Latin/digit token must not light up inside a longer word ("ok" in "took");
        # Chinese has no spaces, so CJK tokens match anywhere.
        if word.isascii() and word.isalnum():
            escaped = rf"(?<![A-Za-z0-9]){escaped}(?![A-Za-z0-9])"
        parts.append(escaped)
    return re.compile("|".join(parts), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern[str] | None, start: int = 0, end: int | None = None) -> str:
    """Escape text[start:end] and wrap the pattern's matches in <em>."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    if pattern is not None:
        for match in pattern.finditer(text, start, end):
            out.append(html.escape(text[pos:match.start()]))
            out.append(f"<em>{html.escape(match.group())}</em>")
            pos = match.end()
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def _fragment_bounds(text: str, pattern: re.Pattern[str] | None, size: int) -> tuple[int, int]:
    if len(text) <= size:
        return 0, len(text)
    first = pattern.search(text) if pattern is not None else None
    centre = first.start() if first else 0
    start = max(0, min(centre - size // 3, len(text) - size))
    return start, start + size


def highlight(doc: SearchDoc, tokens: list[str], fragment_chars: int = FRAGMENT_CHARS) -> dict[str, str]:
    """{"title": whole title marked, "text": a fragment around the first match, marked}."""
    pattern = _pattern(tokens)
    result = {"title": mark(doc.title, pattern)}
    start, end = _fragment_bounds(doc.text, pattern, fragment_chars)
    fragment = mark(doc.text, pattern, start, end)
    result["text"] = ("…" if start > 0 else "") + fragment + ("…" if end < len(doc.text) else "")
    return result
