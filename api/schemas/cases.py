"""Cases, their evidence timeline and history, and the requests that act on them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from api.schemas.posts import PostCore


class CaseOut(BaseModel):
    id: str
    title: str
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    place_id: str | None = None
    place: dict[str, Any] | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    lat: float | None = None
    lon: float | None = None
    department: str | None = None
    urgency: str
    priority: str
    status: str
    assignee: str | None = None
    merged_into: str | None = None
    post_count: int
    counted_posts: int
    author_count: int
    source_count: int
    first_seen: datetime
    last_seen: datetime
    created_at: datetime
    updated_at: datetime
    dispatched_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    due_at: datetime | None = None
    hotline_linked_at: datetime | None = None
    backfilled: bool = False
    flags: dict[str, Any] = Field(default_factory=dict)


class EvidenceOut(PostCore):
    """An evidence post as captured when it joined the case."""

    post_id: int
    added_at: datetime
    counted: bool = True


class CaseEventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class CaseDetail(BaseModel):
    case: CaseOut
    evidence: list[EvidenceOut]
    events: list[CaseEventOut]


class CasePage(BaseModel):
    total: int
    page: int
    size: int
    items: list[CaseOut]


class TransitionIn(BaseModel):
    action: str = Field(min_length=1, max_length=32,
                        description="dispatch|accept|resolve|close|reopen|reject")
    reason: str | None = Field(default=None, max_length=2000)
    assignee: str | None = Field(default=None, max_length=100)
    department: str | None = Field(default=None, max_length=100, description="dispatch: 承办部门")


class MergeIn(BaseModel):
    into: str = Field(min_length=1, max_length=20, description="the case that survives")
    reason: str | None = Field(default=None, max_length=2000)


class AssignIn(BaseModel):
    assignee: str = Field(min_length=1, max_length=100)
    reason: str | None = Field(default=None, max_length=2000)
