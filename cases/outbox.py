"""The alert outbox: alerts and their deliveries written in the caller's transaction.

Whatever caused an alert (a new case, a rule, an overdue step) commits together
with it, so a crash can lose neither the change nor its notification.
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cases.config import WebhookConfig
from index.models import Alert, Case, Delivery

ALERT_TYPES = ("new_case", "warning", "escalation", "overdue", "reopened", "spike", "ledger",
               "saved_search", "source_health")
KEY_LIMIT = 120  # Alert.key column width


def fit_key(key: str) -> str:
    """Keys longer than the column keep a readable head and a hash of the whole."""
    if len(key) <= KEY_LIMIT:
        return key
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[:KEY_LIMIT - 17]}~{digest}"


def wants(webhook: WebhookConfig, alert_type: str) -> bool:
    """Whether a webhook subscribes to an alert type (no list: every type)."""
    return webhook.types is None or alert_type in webhook.types


def raise_alert(session: Session, *, type: str, key: str, title: str, now: datetime,
                event_time: datetime, webhooks: list[WebhookConfig], level: str = "info",
                case_id: str | None = None, source_id: str | None = None, rule_id: str | None = None,
                payload: dict[str, Any] | None = None, backfilled: bool = False,
                push: bool = True) -> Alert | None:
    """Write one alert and a pending delivery per subscribed webhook.

    Idempotent on ``key``: returns None when that alert already exists (a re-run
    batch, an edited post, a concurrent writer). ``push=False`` records the alert
    for the feed without sending it to dispatch (old backfills).
    """
    if type not in ALERT_TYPES:
        raise ValueError(f"unknown alert type {type!r} (known: {', '.join(ALERT_TYPES)})")
    key = fit_key(key)
    if session.scalar(select(Alert.id).where(Alert.key == key)) is not None:
        return None
    alert = Alert(key=key, type=type, level=level, case_id=case_id, source_id=source_id, rule_id=rule_id,
                  title=title, payload=payload or {}, created_at=now, event_time=event_time,
                  backfilled=backfilled, push=push)
    try:
        # A savepoint: losing a race on the unique key must not roll back the batch.
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return None
    if push:
        order_key = case_id or f"type:{type}"
        for webhook in webhooks:
            if wants(webhook, type):
                session.add(Delivery(alert_id=alert.id, webhook=webhook.url, order_key=order_key,
                                     status="pending", attempts=0, next_attempt_at=now, created_at=now))
    return alert


def alert_body(alert: Alert) -> dict[str, Any]:
    """The JSON an alert travels as: the same in webhooks, the pull feed and SSE."""
    return {
        "id": alert.id, "key": alert.key, "type": alert.type, "level": alert.level,
        "case_id": alert.case_id, "source_id": alert.source_id, "rule_id": alert.rule_id,
        "title": alert.title, "payload": alert.payload,
        "created_at": alert.created_at.isoformat(), "event_time": alert.event_time.isoformat(),
        "backfilled": alert.backfilled, "push": alert.push,
    }


def case_payload(case: Case) -> dict[str, Any]:
    """What a dispatch system needs to act on a case, inside its alerts."""
    place = case.place or {}
    return {
        "case_id": case.id, "title": case.title, "status": case.status, "priority": case.priority,
        "category": {"level1": case.level1, "level2": case.level2, "level3": case.level3},
        "place": {"id": case.place_id, "name": place.get("name"), "district": case.district,
                  "street": case.street, "community": case.community, "lat": case.lat, "lon": case.lon},
        "department": case.department, "assignee": case.assignee,
        "counts": {"posts": case.post_count, "counted": case.counted_posts, "authors": case.author_count,
                   "sources": case.source_count},
        "first_seen": case.first_seen.isoformat(), "last_seen": case.last_seen.isoformat(),
        "due_at": case.due_at.isoformat() if case.due_at else None,
    }
