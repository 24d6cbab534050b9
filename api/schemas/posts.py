"""Posts as the API shows them: search hits, one post with its thread context, saved searches,
and counts over posts (trend, top lists, overview)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from index.search.base import SearchDoc


class TagsOut(BaseModel):
    is_complaint: bool
    complaint_score: float
    appeal_type: str
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    category_score: float = 0.0
    department: str | None = None
    place_id: str | None = None
    place: dict[str, Any] | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    lat: float | None = None
    lon: float | None = None
    urgency: str = "normal"
    locations: list[Any] = Field(default_factory=list)


class PostCore(BaseModel):
    """What every view of a post shows: where it is from, who wrote what, when."""

    source_id: str
    kind: str
    url: str | None = None
    title: str = ""
    text: str = ""
    author_id: str | None = None
    author_name: str | None = None
    published_at: datetime


class PostOut(PostCore):
    id: int
    external_id: str
    parent_external_id: str | None = None
    thread_external_id: str | None = None
    region: str | None = None
    fetched_at: datetime
    edited_at: datetime | None = None
    likes: int = 0
    reply_count: int | None = None
    floor: int | None = None
    tags: TagsOut | None = None
    case_ids: list[str] = Field(default_factory=list)


class HitDoc(SearchDoc):
    """The indexed copy of a post; the token stream stays out of responses."""

    tokens: str = Field(default="", exclude=True)


class HitOut(BaseModel):
    id: int
    score: float
    post: HitDoc
    highlights: dict[str, str] = Field(default_factory=dict,
                                       description="HTML-escaped text, matches wrapped in <em>")


class FacetBucket(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    total: int
    page: int
    size: int
    hits: list[HitOut]
    facets: dict[str, list[FacetBucket]] = Field(default_factory=dict)
    took_ms: float = 0.0


class PostContext(BaseModel):
    """A post with what a reader needs around it."""

    post: PostOut
    thread: PostOut | None = Field(default=None, description="the thread's first floor, or the video")
    parent: PostOut | None = Field(default=None, description="the comment a reply answers")
    neighbours: list[PostOut] = Field(default_factory=list,
                                      description="nearby floors or sibling comments, in order")


class SavedSearchIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    query: str = Field(default="", max_length=2000)
    filters: dict[str, Any] = Field(default_factory=dict,
                                    description="the same keys as /posts/search (district, category …)")
    alert: bool = True


class SavedSearchOut(BaseModel):
    id: int
    name: str
    owner: str
    query: str
    filters: dict[str, Any]
    alert: bool
    created_at: datetime


class TrendPoint(BaseModel):
    start: datetime
    count: int


class TrendOut(BaseModel):
    interval: str
    total: int
    buckets: list[TrendPoint]


class TopOut(BaseModel):
    top: dict[str, list[dict[str, Any]]] = Field(description="per field: [{value, count}] best first")


class OverviewOut(BaseModel):
    """Counts for the staff overview: posts, complaints, cases and alerts per period."""

    periods: dict[str, dict[str, int]]
    cases_by_status: dict[str, int]
    unacked_alerts: int
