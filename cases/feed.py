"""The pull side of the outbox: a cursor feed, a Server-Sent-Events stream, and the
delivery log with its dead letters."""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.outbox import alert_body
from index.models import Alert, Delivery
from index.store import Store


def alerts_after(session: Session, after: int = 0, *, limit: int = 100, types: list[str] | None = None,
                 case_id: str | None = None) -> tuple[list[dict[str, Any]], int]:
    """Alerts with id > ``after`` (the consumer's cursor), oldest first, and the next cursor.

    The cursor is the alert id: ids only grow, so a consumer that stores it never
    misses or repeats an alert.
    """
    if after < 0 or limit < 1:
        raise ValueError(f"bad feed window: after={after} (must be ≥ 0), limit={limit} (must be ≥ 1)")
    query = select(Alert).where(Alert.id > after).order_by(Alert.id).limit(limit)
    if types:
        query = query.where(Alert.type.in_(types))
    if case_id:
        query = query.where(Alert.case_id == case_id)
    rows = [alert_body(alert) for alert in session.scalars(query)]
    return rows, (rows[-1]["id"] if rows else after)


def _fetch(store: Store, cursor: int, types: list[str] | None) -> tuple[list[dict[str, Any]], int]:
    # Runs in a worker thread: the session is opened and closed there.
    with store.session() as session:
        return alerts_after(session, cursor, limit=200, types=types)


def sse_event(body: dict[str, Any]) -> str:
    """One SSE frame; the alert id doubles as the event id, so ``Last-Event-ID`` resumes."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return f"id: {body['id']}\nevent: {body['type']}\ndata: {data}\n\n"


async def alert_stream(store: Store, after: int = 0, *, poll_s: float = 1.0, heartbeat_s: float = 15.0,
                       types: list[str] | None = None,
                       stopped: Callable[[], bool] = lambda: False) -> AsyncIterator[str]:
    """SSE frames for every alert after ``after``, then new ones as they commit.

    Polls the outbox (the source of truth, shared by every process) rather than an
    in-process bus, so alerts written by a crawl subprocess reach the stream too.
    A comment line every ``heartbeat_s`` keeps proxies from closing an idle stream.
    """
    cursor, idle = after, 0.0
    while not stopped():
        rows, cursor = await asyncio.to_thread(_fetch, store, cursor, types)
        for body in rows:
            yield sse_event(body)
        if rows:
            idle = 0.0
            continue
        await asyncio.sleep(poll_s)
        idle += poll_s
        if idle >= heartbeat_s:
            idle = 0.0
            yield ": keep-alive\n\n"


def delivery_log(session: Session, *, status: str | None = None, alert_id: int | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
    """Deliveries, newest first; ``status="dead"`` lists the dead letters."""
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if status:
        query = query.where(Delivery.status == status)
    if alert_id is not None:
        query = query.where(Delivery.alert_id == alert_id)
    return [{"id": d.id, "alert_id": d.alert_id, "webhook": d.webhook, "order_key": d.order_key,
             "status": d.status, "attempts": d.attempts, "next_attempt_at": d.next_attempt_at.isoformat(),
             "created_at": d.created_at.isoformat(),
             "delivered_at": d.delivered_at.isoformat() if d.delivered_at else None,
             "last_status": d.last_status, "last_error": d.last_error} for d in session.scalars(query)]


def requeue(session: Session, delivery_id: int, *, now: datetime) -> Delivery:
    """Send a dead letter again (after the receiver is fixed); its age restarts now."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise LookupError(f"no delivery {delivery_id}")
    if delivery.status != "dead":
        raise ValueError(f"delivery {delivery_id} is {delivery.status}, only dead deliveries can be requeued")
    delivery.status, delivery.next_attempt_at, delivery.created_at = "pending", now, now
    return delivery


def acknowledge(session: Session, alert_id: int, *, actor: str, now: datetime) -> Alert:
    """Mark an alert as seen by staff (idempotent)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise LookupError(f"no alert {alert_id}")
    if alert.acked_at is None:
        alert.acked_at, alert.acked_by = now, actor
    return alert

