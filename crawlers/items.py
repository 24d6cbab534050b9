"""The one item every spider yields and every feed line becomes: a raw post.

``ingest()`` takes batches of these; it does not care whether they came from a
Discuz! floor, a video comment or a hotline work order.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PostKind = Literal["thread", "reply", "comment", "comment_reply", "video", "order"]


class RawPost(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source_id: str
    external_id: str = Field(min_length=1, max_length=128)
    kind: PostKind
    title: str = ""
    text: str = ""
    published_at: datetime  # timezone-aware
    url: str | None = None
    parent_external_id: str | None = None
    thread_external_id: str | None = None
    author_id: str | None = None
    author_name: str | None = None
    region: str | None = None
    likes: int = 0
    reply_count: int | None = None
    floor: int | None = None
    # Context for the tagger: the thread or video title a reply sits under.
    context: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class StateUpdate(BaseModel):
    """Incremental crawl state for one key, yielded after the posts it covers.

    The item pipeline stores every post yielded before it, then saves the state, so a
    crawl killed at any moment never records progress for posts it did not store.
    """

    model_config = ConfigDict(extra="forbid")

    source_id: str
    key: str = Field(min_length=1, max_length=200)
    value: dict[str, Any]
