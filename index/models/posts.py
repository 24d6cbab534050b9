"""Sources, crawl runs, posts and their tags: what the crawlers and ingest write."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from index.models.base import Base


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), default="")
    area: Mapped[str | None] = mapped_column(String(100))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="running")  # running|ok|partial|failed|timeout|interrupted|skipped
    trigger: Mapped[str] = mapped_column(String(16), default="manual")  # manual|schedule|demo
    pid: Mapped[int | None]
    pages: Mapped[int] = mapped_column(default=0)
    items: Mapped[int] = mapped_column(default=0)
    new_posts: Mapped[int] = mapped_column(default=0)
    updated_posts: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str | None] = mapped_column(Text)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("source_id", "external_id", name="uq_posts_source_external"),
        Index("ix_posts_published", "published_at"),
        Index("ix_posts_thread", "source_id", "thread_external_id"),
        # An author's posts in a time window (repost checks, the frequent-complainant rule):
        # the time column keeps the read bounded by the window, not the author's history.
        Index("ix_posts_author_time", "source_id", "author_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    external_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # thread|reply|comment|comment_reply|video|order
    parent_external_id: Mapped[str | None] = mapped_column(String(128))
    thread_external_id: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str | None] = mapped_column(String(128))
    author_name: Mapped[str | None] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(64))  # forum region or video ip_label
    published_at: Mapped[datetime]
    fetched_at: Mapped[datetime]
    likes: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int | None]
    floor: Mapped[int | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    edited_at: Mapped[datetime | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)

    tags: Mapped["PostTag | None"] = relationship(back_populates="post", uselist=False, lazy="selectin")


class PostTag(Base):
    """What the tagger said about a post (see nlp.schema.Tags)."""

    __tablename__ = "post_tags"
    __table_args__ = (
        Index("ix_tags_place", "place_id"),
        Index("ix_tags_category", "level1", "level2"),
        Index("ix_tags_district_level2", "district", "level2"),  # spike rule: category × district
    )

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    is_complaint: Mapped[bool] = mapped_column(Boolean, default=False)
    complaint_score: Mapped[float] = mapped_column(Float, default=0.0)
    appeal_type: Mapped[str] = mapped_column(String(16), default="none")
    level1: Mapped[str | None] = mapped_column(String(64))
    level2: Mapped[str | None] = mapped_column(String(64))
    level3: Mapped[str | None] = mapped_column(String(64))
    category_score: Mapped[float] = mapped_column(Float, default=0.0)
    department: Mapped[str | None] = mapped_column(String(100))
    locations: Mapped[list[Any]] = mapped_column(default=list)
    place_id: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    district: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(64))
    community: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    tokens: Mapped[str] = mapped_column(Text, default="")  # space-joined segmentation, for search
    tagger: Mapped[str] = mapped_column(String(64))
    tagged_at: Mapped[datetime]

    post: Mapped[Post] = relationship(back_populates="tags")


class CrawlState(Base):
    """Incremental crawl state per source and key (a thread, a video, a board)."""

    __tablename__ = "crawl_state"

    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
