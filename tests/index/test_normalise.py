"""Normalisation decides edits: only what a reader sees changes the hash."""
from __future__ import annotations

from index.normalise import content_hash, normalise_text


def test_invisible_and_bidi_characters_are_dropped() -> None:
    assert normalise_text("玻璃\u200b碴\u202e在路上") == "玻璃碴在路上"


def test_whitespace_is_folded_but_lines_kept() -> None:
    assert normalise_text("  第一行\u3000\u3000有空格 \r\n\r\n\r\n\r\n第二行  ") == "第一行 有空格\n\n第二行"


def test_hash_changes_with_text_not_with_spacing() -> None:
    a = content_hash(normalise_text("标题"), normalise_text("正文  内容"))
    b = content_hash(normalise_text("标题 "), normalise_text("正文 内容"))
    c = content_hash(normalise_text("标题"), normalise_text("正文内容改了"))
    assert a == b != c
