"""Normalising raw posts before they are stored: one canonical text, one content hash.

The hash decides whether a re-crawled post is unchanged or an edit, so it covers only
what a reader sees (title and text), never counters such as likes.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata

from crawlers.items import RawPost

# Zero-width characters and bidi controls have no business in a resident's post; bidi
# overrides are a known trick to make hostile text render misleadingly in staff UIs.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(f"{title}\x1f{text}".encode("utf-8")).hexdigest()


def normalise_post(post: RawPost) -> RawPost:
    """A copy with clean title, text and author, and an aware published_at."""
    return post.model_copy(update={
        "title": normalise_text(post.title),
        "text": normalise_text(post.text),
        "author_name": normalise_text(post.author_name) if post.author_name else post.author_name,
        "context": normalise_text(post.context) if post.context else post.context,
    })
