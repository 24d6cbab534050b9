"""Search request parameters shared by /posts/search, /stats/trend and /stats/top.

Limits that depend on settings (page size, query length) are checked in ``to_query``
so the message can name the configured limit.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

from index.config import SearchConfig
from index.search.base import FacetField, Filters, GeoFilter, SearchQuery

DEFAULT_PAGE_SIZE = 20
FACET_FIELDS: tuple[str, ...] = FacetField.__args__  # type: ignore[attr-defined]


class ParamError(ValueError):
    """A bad search parameter; the message names it (mapped to 422)."""


class SearchParams(BaseModel):
    """Query-string parameters of a post search."""

    q: str = Field(default="", description='词语(AND)、"短语"、-排除、OR')
    category: str | None = Field(default=None, description="任一级分类，如 城乡建设 或 城乡建设/物业管理")
    level1: str | None = None
    level2: str | None = None
    level3: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    source: str | None = None
    kind: str | None = None
    is_complaint: bool | None = None
    urgency: Literal["high", "normal", "low"] | None = None
    has_case: bool | None = None
    since: datetime | date | None = None
    until: datetime | date | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    radius_m: float | None = Field(default=None, gt=0, le=100_000)
    facets: str = Field(default="", description="逗号分隔: level1,district,source_id …")
    highlight: bool = True
    sort: Literal["relevance", "time"] = "relevance"
    page: int = Field(default=1, ge=1, le=10_000)
    size: int | None = Field(default=None, ge=1, description="默认 20（不超过配置上限）")

    @field_validator("category", "level1", "level2", "level3", "district", "street", "community",
                     "source", "kind", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def facet_list(self) -> list[str]:
        names = [name.strip() for name in self.facets.split(",") if name.strip()]
        for name in names:
            if name not in FACET_FIELDS:
                raise ParamError(f"facets: unknown field {name!r} (use {', '.join(FACET_FIELDS)})")
        return list(dict.fromkeys(names))

    def filters(self, tz: ZoneInfo) -> Filters:
        levels = {"level1": self.level1, "level2": self.level2, "level3": self.level3}
        if self.category:
            parts = [part.strip() for part in self.category.split("/") if part.strip()]
            if len(parts) > 3:
                raise ParamError(f"category: at most three levels separated by '/', got {self.category!r}")
            levels[f"level{len(parts)}"] = parts[-1]
        geo_parts = (self.lat, self.lon, self.radius_m)
        if any(p is not None for p in geo_parts) and not all(p is not None for p in geo_parts):
            raise ParamError("geo filter needs all of lat, lon and radius_m")
        since, until = _aware(self.since, tz, end=False), _aware(self.until, tz, end=True)
        if since and until and since > until:
            raise ParamError("since is after until")
        return Filters(**levels, district=self.district, street=self.street, community=self.community,
                       source_id=self.source, kind=self.kind, is_complaint=self.is_complaint,
                       urgency=self.urgency, has_case=self.has_case, since=since, until=until,
                       geo=GeoFilter(lat=self.lat, lon=self.lon, radius_m=self.radius_m)
                       if self.lat is not None else None)

    def check_query(self, config: SearchConfig) -> str:
        if len(self.q) > config.max_query_chars:
            raise ParamError(f"q: query is {len(self.q)} characters; the limit is {config.max_query_chars}")
        return self.q.strip()

    def to_query(self, config: SearchConfig, tz: ZoneInfo) -> SearchQuery:
        size = self.size or min(DEFAULT_PAGE_SIZE, config.max_page_size)
        if size > config.max_page_size:
            raise ParamError(f"size: {size} is over the limit of {config.max_page_size}")
        # Deep pages cost the engine page*size hits; cap the window like ES does.
        if self.page * size > 10_000:
            raise ParamError("page: results beyond the first 10000 are not served; narrow the query")
        return SearchQuery(query=self.check_query(config), filters=self.filters(tz),
                           facets=self.facet_list(), highlight=self.highlight, sort=self.sort,
                           page=self.page, size=size)


def _aware(value: datetime | date | None, tz: ZoneInfo, *, end: bool) -> datetime | None:
    """Naive times are local (Asia/Shanghai); a bare date means the whole day."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end else time.min)
    return value if value.tzinfo else value.replace(tzinfo=tz)
