"""Cases, their evidence and history, and the alert outbox with its deliveries."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from index.models.base import Base


class Case(Base):
    """A proactive case (主动发现工单): one problem at one point."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_point", "place_id", "level2", "status"),
        Index("ix_cases_status", "status"),
        Index("ix_cases_created", "created_at"),
        # Candidate cases by category and recency (radius matching), and the overdue sweep.
        Index("ix_cases_level2_status_seen", "level2", "status", "last_seen"),
        Index("ix_cases_status_due", "status", "due_at"),
        # Recently resolved cases of a category (reopening), cases of a category in a
        # latitude band around a post (radius matching), and cases first seen at a place
        # in a window (frequent point): each bounded by time or space, not by history.
        Index("ix_cases_level2_status_resolved", "level2", "status", "resolved_at"),
        Index("ix_cases_level2_status_lat", "level2", "status", "lat"),
        Index("ix_cases_place_first_seen", "place_id", "first_seen"),
    )

    id: Mapped[str] = mapped_column(String(20), primary_key=True)  # MS-YYYYMMDD-NNNN
    title: Mapped[str] = mapped_column(String(200))
    level1: Mapped[str | None] = mapped_column(String(64))
    level2: Mapped[str | None] = mapped_column(String(64))
    level3: Mapped[str | None] = mapped_column(String(64))
    place_id: Mapped[str | None] = mapped_column(String(64))
    place: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    district: Mapped[str | None] = mapped_column(String(64))
    street: Mapped[str | None] = mapped_column(String(64))
    community: Mapped[str | None] = mapped_column(String(64))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    department: Mapped[str | None] = mapped_column(String(100))
    urgency: Mapped[str] = mapped_column(String(8), default="normal")
    priority: Mapped[str] = mapped_column(String(8), default="normal")  # low|normal|high|urgent
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee: Mapped[str | None] = mapped_column(String(100))
    merged_into: Mapped[str | None] = mapped_column(String(20))
    post_count: Mapped[int] = mapped_column(default=0)
    counted_posts: Mapped[int] = mapped_column(default=0)  # after near-duplicate removal
    author_count: Mapped[int] = mapped_column(default=0)
    source_count: Mapped[int] = mapped_column(default=0)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    dispatched_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]  # deadline of the current step
    hotline_linked_at: Mapped[datetime | None]  # first hotline order about it
    signature: Mapped[str | None] = mapped_column(String(32))  # SimHash of the founding text
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)

    evidence: Mapped[list["CasePost"]] = relationship(back_populates="case", order_by="CasePost.published_at")
    events: Mapped[list["CaseEvent"]] = relationship(back_populates="case", order_by="CaseEvent.id")


class CasePost(Base):
    """Evidence: a post as captured, kept even if the original is deleted later."""

    __tablename__ = "case_posts"
    __table_args__ = (Index("ix_case_posts_case_time", "case_id", "published_at"),)

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True, index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[str | None] = mapped_column(String(128))
    author_name: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime]
    added_at: Mapped[datetime]
    counted: Mapped[bool] = mapped_column(Boolean, default=True)  # False for an author's near-duplicate
    signature: Mapped[str | None] = mapped_column(String(32))

    case: Mapped[Case] = relationship(back_populates="evidence")


class CaseEvent(Base):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))  # "system" or a key's name
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class Alert(Base):
    """The outbox: written in the same transaction as the change that caused it."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_type_created", "type", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)  # the feed cursor
    key: Mapped[str] = mapped_column(String(120), unique=True)  # idempotency key, e.g. warning:MS-…:same-point-day
    type: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(8), default="info")  # info|warning|critical
    case_id: Mapped[str | None] = mapped_column(String(20), index=True)
    source_id: Mapped[str | None] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    event_time: Mapped[datetime]  # the posts' own time that triggered it
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False)
    push: Mapped[bool] = mapped_column(Boolean, default=True)  # False: recorded, not pushed
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[str | None] = mapped_column(String(100))


class Delivery(Base):
    """One alert to one webhook: at-least-once, ordered per case, dead-lettered after max age."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    webhook: Mapped[str] = mapped_column(Text)  # receiver URL
    order_key: Mapped[str] = mapped_column(String(64))  # case id, or alert type for case-less alerts
    status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|delivered|dead
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    last_status: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
