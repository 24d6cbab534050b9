"""Store and search settings (the ``database_url`` and ``search:`` keys)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SearchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backend: Literal["tantivy", "elasticsearch"] = "tantivy"
    url: str | None = None
    index_name: str = "minsheng-posts"
    max_page_size: int = Field(default=100, ge=1)
    max_query_chars: int = Field(default=500, ge=10)

    @model_validator(mode="after")
    def _es_needs_url(self) -> "SearchConfig":
        if self.backend == "elasticsearch" and not self.url:
            raise ValueError("search.backend 'elasticsearch' needs search.url, e.g. http://127.0.0.1:9200")
        return self
