"""Masking personal numbers for viewers: mobile and landline phones, ID-card numbers.

Pure functions over text. Residents often post their phone number or ID number when
they complain; viewers (e.g. a big-screen room) must not see them. Full-width digits
are covered too, since Chinese input methods produce them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_D = "[0-9０-９]"
_SEP = r"[ \-－]?"
# 18-digit resident ID (last char may be X) and the old 15-digit form. The lookarounds keep
# us from cutting a longer number (an order id, a bank card) in the middle.
_ID18 = re.compile(rf"(?<![0-9０-９A-Za-z])([1-9１-９]{_D}{{5}})({_D}{{8}})({_D}{{3}}[0-9０-９Xx])(?![0-9０-９A-Za-z])")
_ID15 = re.compile(rf"(?<![0-9０-９A-Za-z])([1-9１-９]{_D}{{5}})({_D}{{6}})({_D}{{3}})(?![0-9０-９A-Za-z])")
# Mobile: 1[3-9]x xxxx xxxx, optionally +86 / 86 in front and spaces or dashes between groups.
_MOBILE = re.compile(
    rf"(?<![0-9０-９])((?:\+?86{_SEP})?[1１][3-9３-９]{_D})({_SEP}{_D}{{4}}{_SEP})({_D}{{4}})(?![0-9０-９])")
# Landline: area code 0xx/0xxx, optional brackets or dash, then 7–8 digits.
_LANDLINE = re.compile(
    rf"(?<![0-9０-９])([(（]?[0０]{_D}{{2,3}}[)）]?{_SEP})({_D}{{3,4}})({_D}{{4}})(?![0-9０-９])")

MASKED_FIELDS = ("title", "text", "author_name", "author_id")


def _stars(text: str) -> str:
    """Replace digits with '*' but keep separators, so the shape stays readable."""
    return re.sub(r"[0-9０-９Xx]", "*", text)


def mask_id_cards(text: str) -> str:
    """330402199001011234 → 330402********1234 (first 6 and last 4 kept)."""
    text = _ID18.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    return _ID15.sub(lambda m: m.group(1) + "*" * 6 + m.group(3), text)


def mask_phones(text: str) -> str:
    """13812345678 → 138****5678; 0573-82345678 → 0573-****5678."""
    text = _MOBILE.sub(lambda m: m.group(1) + _stars(m.group(2)) + m.group(3), text)
    return _LANDLINE.sub(lambda m: m.group(1) + _stars(m.group(2)) + m.group(3), text)


def mask_text(text: str | None) -> str | None:
    """Every masking rule over one string; None stays None."""
    if not text:
        return text
    # ID cards first: an 18-digit ID contains digit runs that look like a phone number.
    return mask_phones(mask_id_cards(text))


def mask_fields(data: Mapping[str, Any], fields: tuple[str, ...] = MASKED_FIELDS) -> dict[str, Any]:
    """A copy of ``data`` with the personal-number fields masked."""
    out = dict(data)
    for name in fields:
        value = out.get(name)
        if isinstance(value, str):
            out[name] = mask_text(value)
    return out


def mask_highlights(highlights: Mapping[str, str]) -> dict[str, str]:
    """Mask highlighted (HTML-escaped, <em>-wrapped) text.

    A match may split a number with <em> tags; masking runs over the text with the tags
    taken out and put back at the same character offsets, so no digit escapes.
    """
    out = {}
    for field, html in highlights.items():
        out[field] = _mask_around_tags(html)
    return out


_TAG = re.compile(r"</?em>")


def _mask_around_tags(html: str) -> str:
    pieces = _TAG.split(html)
    tags = _TAG.findall(html)
    plain = "".join(pieces)
    masked = mask_text(plain) or ""
    # Masking never changes the length, so the piece boundaries still line up.
    out, start = [], 0
    for index, piece in enumerate(pieces):
        out.append(masked[start:start + len(piece)])
        start += len(piece)
        if index < len(tags):
            out.append(tags[index])
    return "".join(out)
