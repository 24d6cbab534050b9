"""Who may do what: API keys, the audit log, saved searches, the needs-location queue."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from index.models.base import Base


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # viewer|operator|dispatch|admin
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)  # sha256 of the secret
    prefix: Mapped[str] = mapped_column(String(12))  # first characters, to tell keys apart
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SavedSearch(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    owner: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(Text)
    filters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    alert: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]


class PlaceQuery(Base):
    """A complaint whose place could not be resolved: staff pick the entry or add an alias."""

    __tablename__ = "place_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    span: Mapped[str | None] = mapped_column(String(100))  # the unresolved mention, if any
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|resolved|dismissed
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    place_id: Mapped[str | None] = mapped_column(String(64))


class PlaceAlias(Base):
    """Aliases and places learned from staff; merged over the gazetteer CSV at load."""

    __tablename__ = "place_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alias: Mapped[str] = mapped_column(String(100), index=True)
    place_id: Mapped[str] = mapped_column(String(64))
    # For a new place: its row, in gazetteer columns (name, type, parent_id, lat, lon).
    new_place: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)
