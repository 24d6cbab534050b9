"""The SearchIndex contract: one interface, two engines (tantivy embedded, Elasticsearch).

Chinese text arrives pre-segmented (``tokens``: space-joined jieba tokens), so both
engines only split on whitespace and agree on hits and counts.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field


class SearchBackendError(RuntimeError):
    """The engine cannot do what was asked (index locked, server unreachable, rejected write)."""


class SearchDoc(BaseModel):
    id: int  # the store's post id
    source_id: str
    kind: str
    url: str | None = None
    title: str = ""
    text: str = ""
    tokens: str = ""  # segmented title + text
    author_id: str | None = None
    author_name: str | None = None
    published_at: datetime
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    place_id: str | None = None
    place_name: str | None = None
    lat: float | None = None
    lon: float | None = None
    is_complaint: bool = False
    urgency: str = "normal"
    case_id: str | None = None


class GeoFilter(BaseModel):
    lat: float
    lon: float
    radius_m: float = Field(gt=0)


class Filters(BaseModel):
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    source_id: str | None = None
    kind: str | None = None
    is_complaint: bool | None = None
    urgency: str | None = None
    has_case: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    geo: GeoFilter | None = None


FacetField = Literal["level1", "level2", "level3", "district", "street", "community", "source_id", "author_id"]


class SearchQuery(BaseModel):
    query: str = ""  # staff syntax: words (AND), "phrase", -exclude, OR
    filters: Filters = Field(default_factory=Filters)
    facets: list[FacetField] = Field(default_factory=list)
    highlight: bool = True
    sort: Literal["relevance", "time"] = "relevance"
    page: int = Field(default=1, ge=1)
    size: int = Field(default=20, ge=1, le=1000)


class Hit(BaseModel):
    id: int
    score: float
    doc: SearchDoc
    # Raw text with matches wrapped in <em>…</em>; everything else HTML-escaped.
    highlights: dict[str, str] = Field(default_factory=dict)


class SearchResult(BaseModel):
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]] = Field(default_factory=dict)
    took_ms: float = 0.0


class TrendBucket(BaseModel):
    start: datetime  # bucket start, Asia/Shanghai
    count: int


class SearchIndex(Protocol):
    """What both engines implement. Writes are batched; ``commit`` ends an ingest batch."""

    def upsert(self, docs: list[SearchDoc]) -> None: ...
    def delete(self, ids: list[int]) -> None: ...
    def commit(self) -> None: ...
    def search(self, query: SearchQuery) -> SearchResult: ...
    def count(self, query: str = "", filters: Filters | None = None) -> int: ...
    def date_histogram(self, query: str, filters: Filters | None, interval: Literal["hour", "day"]) -> list[TrendBucket]: ...
    def terms(self, field: FacetField, query: str = "", filters: Filters | None = None, size: int = 10) -> list[tuple[str, int]]: ...
    def health(self) -> dict[str, Any]: ...
    def clear(self) -> None: ...
    # Replace everything with ``docs`` (from the store); searches see the old set until done.
    def reindex(self, docs: Iterable[SearchDoc]) -> int: ...
    # Saved searches (id, staff query, filters) a new batch matches: [(saved_id, doc_id)].
    def match_saved(self, docs: list[SearchDoc], saved: list[tuple[int, str, Filters]]) -> list[tuple[int, int]]: ...
    def close(self) -> None: ...
