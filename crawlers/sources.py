"""Source configuration: what to watch, how often, and how politely.

Each entry of the config's ``sources:`` list becomes one of these models, chosen by
``kind``. Adding a forum or a video account is a config change, not new code.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SOURCE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class _SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SOURCE_ID_PATTERN)
    name: str = ""
    # Default place context for this source's posts, e.g. "嘉兴市南湖区".
    area: str | None = None
    schedule: str | None = None  # cron expression, Asia/Shanghai
    cookies: dict[str, str] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    user_agent: str | None = None
    obey_robots: bool = True
    timeout_s: int = Field(default=1800, ge=10)  # per-run kill switch (scheduler)

    @field_validator("schedule")
    @classmethod
    def _cron_has_five_fields(cls, value: str | None) -> str | None:
        if value is not None and len(value.split()) != 5:
            raise ValueError("schedule must be a 5-field cron expression like '*/10 * * * *'")
        return value


class DiscuzSelectors(BaseModel):
    """CSS overrides for boards whose template differs from stock Discuz! X."""

    model_config = ConfigDict(extra="forbid")

    thread_row: str | None = None
    thread_link: str | None = None
    floor: str | None = None
    floor_author: str | None = None
    floor_content: str | None = None
    floor_time: str | None = None
    subject: str | None = None


class DiscuzSource(_SourceBase):
    kind: Literal["discuz"]
    boards: list[str] = Field(min_length=1)
    max_pages: int = Field(default=5, ge=1)
    max_thread_pages: int = Field(default=50, ge=1)
    encoding: str | None = None  # None: detect from HTTP header and <meta>
    selectors: DiscuzSelectors = Field(default_factory=DiscuzSelectors)


class DouyinSource(_SourceBase):
    kind: Literal["douyin"]
    videos: list[str] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)
    mode: Literal["browser", "api"] = "browser"
    max_comments: int = Field(default=5000, ge=1)
    full_refresh: bool = False


class FeedSource(_SourceBase):
    """A source fed by `minsheng ingest` (hotline work orders, partner feeds)."""

    kind: Literal["feed", "hotline"]


SourceConfig = Annotated[DiscuzSource | DouyinSource | FeedSource, Field(discriminator="kind")]


class CrawlConfig(BaseModel):
    """Crawl-wide settings shared by every source."""

    model_config = ConfigDict(extra="forbid")

    user_agent: str = "minsheng/0.1 (+public-opinion monitor; contact: ops)"
    concurrency_per_domain: int = Field(default=4, ge=1)
    autothrottle: bool = True
    download_delay_s: float = Field(default=0.0, ge=0)
    max_parallel_runs: int = Field(default=2, ge=1)
    timezone: str = "Asia/Shanghai"
    chromium_path: str = "/usr/bin/chromium"
    frontier: Literal["memory", "redis"] = "memory"
    redis_url: str | None = None
    ingest_batch_size: int = Field(default=200, ge=1)
