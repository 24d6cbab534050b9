"""The audit log: every search and every case action, with who did it and when.

Entries are written in the caller's session, so an action and its audit line commit
(or roll back) together.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from index.models import AuditEntry

_MAX_DETAIL_CHARS = 2000


def _compact(detail: dict[str, Any]) -> dict[str, Any]:
    """Drop empty filters and clip long strings so one entry stays small."""
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, str) and len(value) > _MAX_DETAIL_CHARS:
            value = value[:_MAX_DETAIL_CHARS] + "…"
        elif isinstance(value, dict):
            value = _compact(value)
        out[key] = value
    return out


def record(session: Session, actor: Principal | str, action: str, detail: dict[str, Any],
           *, now: datetime | None = None) -> AuditEntry:
    """Add one audit entry (committed with the caller's unit of work)."""
    name = actor.name if isinstance(actor, Principal) else actor
    entry = AuditEntry(at=now or datetime.now(timezone.utc), actor=name, action=action[:40],
                       detail=_compact(detail))
    session.add(entry)
    return entry


def recent(session: Session, *, actor: str | None = None, action: str | None = None,
           limit: int = 100) -> list[AuditEntry]:
    """Newest entries first, optionally for one actor or one action."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(session.scalars(query))
