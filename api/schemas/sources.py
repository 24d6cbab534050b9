"""Sources with their health, crawl runs, API keys and the audit log as the API shows them."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class HealthProblemOut(BaseModel):
    rule: str = Field(description="silence|failures|template_drift|coverage_drop|access_wall")
    name: str
    level: str
    title: str
    since: datetime


class SourceHealthOut(BaseModel):
    status: str = Field(default="ok", description="ok|warning|critical|paused")
    problems: list[HealthProblemOut] = Field(default_factory=list)


class SourceOut(BaseModel):
    id: str
    kind: str
    name: str = ""
    area: str | None = None
    schedule: str | None = None
    paused: bool = False
    running: bool = False
    last_run_at: datetime | None = None
    last_status: str | None = None
    last_success_at: datetime | None = None
    posts_24h: int = 0
    error_rate: float = 0.0
    health: SourceHealthOut = Field(default_factory=SourceHealthOut)


class CrawlRunOut(BaseModel):
    id: int
    source_id: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str
    trigger: str
    pid: int | None = None
    pages: int = 0
    items: int = 0
    new_posts: int = 0
    updated_posts: int = 0
    errors: int = 0
    stats: dict[str, Any] = Field(default_factory=dict)
    message: str | None = None


class ActionOut(BaseModel):
    ok: bool = True
    detail: dict[str, Any] = Field(default_factory=dict)


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: str = Field(description="viewer|operator|dispatch|admin")


class KeyOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None


class KeyCreated(BaseModel):
    name: str
    role: str
    secret: str = Field(description="shown once; store it now")


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any] = Field(default_factory=dict)
