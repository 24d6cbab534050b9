"""The alert outbox: alerts and their deliveries written in the caller's transaction.

Whatever caused an alert (a new case, a rule, an overdue step) commits together
with it, so a crash can lose neither the change nor its notification.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert as sa_insert
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached

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
    batch = AlertBatch(webhooks)
    batch.add(type=type, key=key, title=title, now=now, event_time=event_time, level=level, case_id=case_id,
              source_id=source_id, rule_id=rule_id, payload=payload, backfilled=backfilled, push=push)
    written = batch.write(session)
    if not written:
        return None
    alert = Alert(id=written[0].id, **written[0].values)
    # The row is written: attach the object as already stored, without reading it back.
    make_transient_to_detached(alert)
    session.add(alert)
    return alert


@dataclass(frozen=True)
class Raised:
    """An alert a batch wrote: what its callers need, without an ORM object per alert."""

    id: int
    key: str
    type: str
    case_id: str | None
    event_time: datetime
    values: dict[str, Any]  # every column as written


@dataclass
class _Pending:
    values: dict[str, Any]
    then: Callable[[Raised], None] | None


class AlertBatch:
    """Alerts collected over an ingest batch and written with a few statements.

    Written one at a time, an alert (INSERT, ORM object, delivery INSERT) cost more
    than the rest of its post's processing. Here the rows go in as one executemany
    of INSERT … ON CONFLICT DO NOTHING RETURNING (id, key), which SQLAlchemy packs
    into multi-row statements, and the deliveries in one more. A key that already
    exists (a re-run batch, a concurrent writer) returns no row: that alert, and its
    ``then``, are skipped.
    """

    def __init__(self, webhooks: list[WebhookConfig]) -> None:
        self.webhooks = webhooks
        self.pending: dict[str, _Pending] = {}  # by key, in the order added

    def add(self, *, type: str, key: str, title: str, now: datetime, event_time: datetime, level: str = "info",
            case_id: str | None = None, source_id: str | None = None, rule_id: str | None = None,
            payload: dict[str, Any] | None = None, backfilled: bool = False, push: bool = True,
            then: Callable[[Raised], None] | None = None) -> None:
        """Queue one alert; ``then`` runs with it once written (the change it stands for)."""
        if type not in ALERT_TYPES:
            raise ValueError(f"unknown alert type {type!r} (known: {', '.join(ALERT_TYPES)})")
        key = fit_key(key)
        if key not in self.pending:  # two alerts with one key in a batch: the first wins, as in the store
            self.pending[key] = _Pending(dict(
                key=key, type=type, level=level, case_id=case_id, source_id=source_id, rule_id=rule_id,
                title=title, payload=payload or {}, created_at=now, event_time=event_time,
                backfilled=backfilled, push=push, acked_at=None, acked_by=None), then)

    def write(self, session: Session) -> list[Raised]:
        """Insert the queued alerts and their deliveries; the new alerts, in the order added."""
        pending, self.pending = list(self.pending.values()), {}
        if not pending:
            return []
        ids = _insert_new(session, [item.values for item in pending])
        written: list[tuple[_Pending, Raised]] = []
        deliveries = []
        for item in pending:
            values = item.values
            alert_id = ids.get(values["key"])
            if alert_id is None:
                continue
            written.append((item, Raised(alert_id, values["key"], values["type"], values["case_id"],
                                         values["event_time"], values)))
            if values["push"]:
                order_key = values["case_id"] or f"type:{values['type']}"
                deliveries += [{"alert_id": alert_id, "webhook": hook.url, "order_key": order_key,
                                "status": "pending", "attempts": 0, "next_attempt_at": values["created_at"],
                                "created_at": values["created_at"]}
                               for hook in self.webhooks if wants(hook, values["type"])]
        if deliveries:
            session.connection().execute(sa_insert(Delivery.__table__), deliveries)
        for item, raised in written:
            if item.then is not None:
                item.then(raised)
        return [raised for _, raised in written]


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[str, int]:
    """Insert the rows whose key is new; the new ids by key.

    No savepoints: the unique key settles a race with a concurrent writer inside the
    database (ON CONFLICT DO NOTHING on SQLite and PostgreSQL). Core on the session's
    connection: nothing pending needs flushing first, and the ORM layer around
    ``session.execute`` would cost more than the INSERT itself.
    """
    table = Alert.__table__
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id, table.c.key)
        return {key: alert_id for alert_id, key in connection.execute(statement, rows)}
    # Other databases: the pre-check holds under the writer lock the transaction has taken.
    keys = [row["key"] for row in rows]
    existing = set(connection.execute(select(table.c.key).where(table.c.key.in_(keys))).scalars())
    return {row["key"]: connection.execute(sa_insert(table).returning(table.c.id), row).scalar_one()
            for row in rows if row["key"] not in existing}


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
