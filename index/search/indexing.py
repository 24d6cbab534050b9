"""Turning a SearchDoc into what both engines index, identically.

Both engines call :func:`prepare` first, so tokens are normalised the same way,
empty strings count as missing, and times are UTC; this is what makes their hits,
facets and counts agree.
"""
from __future__ import annotations

from datetime import datetime, timezone

from index.search.base import SearchDoc
from index.search.query import normalize_tokens

KEYWORD_FIELDS = (
    "source_id", "kind", "author_id", "level1", "level2", "level3",
    "district", "street", "community", "urgency", "place_id", "case_id",
)
# Seconds in the high bits, the post id in the low 31 bits: one sortable integer gives
# "newest first, then highest id" on both engines (tantivy sorts by one field only).
_ID_BITS = 31


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken to be UTC already (as the store keeps it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def prepare(doc: SearchDoc) -> SearchDoc:
    """Normalised copy: lower-cased NFKC tokens, '' → None for keywords, UTC time."""
    changes: dict[str, object] = {
        "tokens": normalize_tokens(doc.tokens),
        "published_at": as_utc(doc.published_at),
    }
    for field in KEYWORD_FIELDS:
        value = getattr(doc, field)
        if isinstance(value, str) and not value.strip():
            changes[field] = None if field != "urgency" else "normal"
    if (doc.lat is None) != (doc.lon is None):
        changes["lat"] = changes["lon"] = None  # half a coordinate is no coordinate
    return doc.model_copy(update=changes)


def time_key(doc: SearchDoc) -> int:
    """The sort key for "newest first"; ties broken by the higher id."""
    seconds = int(as_utc(doc.published_at).timestamp())
    return (seconds << _ID_BITS) | (doc.id & ((1 << _ID_BITS) - 1))


def has_case(doc: SearchDoc) -> bool:
    return bool(doc.case_id)
