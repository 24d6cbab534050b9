"""The Elasticsearch index layout: settings, the strict mapping, and document shape.

Pre-segmented text is analysed by a plain whitespace analyzer (the tokens were
normalised by ``indexing.prepare``, as for tantivy); filters and facets are
``keyword`` fields; raw title/text are kept in ``_source`` for display only.
"""
from __future__ import annotations

from typing import Any

from index.search.base import SearchDoc
from index.search.indexing import KEYWORD_FIELDS, has_case, time_key

ANALYZER = "minsheng_whitespace"
_DISPLAY_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def index_settings(shards: int, replicas: int) -> dict[str, Any]:
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        "analysis": {"analyzer": {ANALYZER: {"type": "custom", "tokenizer": "whitespace"}}},
    }


def search_fields() -> dict[str, Any]:
    """Fields a query can touch; shared by the posts index and the percolator index."""
    fields: dict[str, Any] = {
        "id": {"type": "long"},
        "tokens": {"type": "text", "analyzer": ANALYZER},
        "is_complaint": {"type": "boolean"},
        "has_case": {"type": "boolean"},
        "published_at": {"type": "date"},  # stored as UTC ISO-8601
        "location": {"type": "geo_point"},
        "time_key": {"type": "long"},
    }
    fields.update({name: {"type": "keyword"} for name in KEYWORD_FIELDS})
    return fields


def posts_mapping() -> dict[str, Any]:
    """The strict mapping of the posts index: an unexpected field is a bug, not data."""
    properties = search_fields()
    properties.update({
        "url": _DISPLAY_ONLY, "author_name": _DISPLAY_ONLY, "place_name": _DISPLAY_ONLY,
        "title": {"type": "text", "index": False},
        "text": {"type": "text", "index": False},
    })
    return {"dynamic": "strict", "properties": properties}


def percolator_mapping() -> dict[str, Any]:
    """Saved searches: the stored query plus the fields it may reference."""
    properties = search_fields()
    properties.update({"query": {"type": "percolator"}, "saved_id": {"type": "long"}})
    return {"dynamic": "strict", "properties": properties}


def to_source(doc: SearchDoc) -> dict[str, Any]:
    """The ``_source`` of a SearchDoc already passed through ``prepare``."""
    source = doc.model_dump(mode="json", exclude={"lat", "lon"})
    source["published_at"] = doc.published_at.isoformat()
    source["has_case"] = has_case(doc)
    source["time_key"] = time_key(doc)
    if doc.lat is not None and doc.lon is not None:
        source["location"] = {"lat": doc.lat, "lon": doc.lon}
    return {key: value for key, value in source.items() if value is not None}


def percolate_source(doc: SearchDoc) -> dict[str, Any]:
    """The fields of a document the percolator needs (no display fields)."""
    wanted = set(search_fields())
    return {k: v for k, v in to_source(doc).items() if k in wanted}


def from_source(source: dict[str, Any]) -> SearchDoc:
    data = {k: v for k, v in source.items() if k not in ("has_case", "time_key", "location")}
    location = source.get("location")
    if isinstance(location, dict):
        data["lat"], data["lon"] = location.get("lat"), location.get("lon")
    return SearchDoc.model_validate(data)
