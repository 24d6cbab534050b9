"""The alert batch: one write for many alerts, idempotent on the key, ``then`` only for new ones."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from cases.config import WebhookConfig
from cases.outbox import AlertBatch, fit_key, raise_alert
from index.models import Alert, Delivery

NOW = datetime(2024, 5, 20, 4, 0, tzinfo=timezone.utc)
HOOKS = [WebhookConfig(url="http://127.0.0.1:9/all"), WebhookConfig(url="http://127.0.0.1:9/cases", types=["new_case"])]


def test_many_alerts_in_few_statements_and_in_order(new_store):
    store = new_store()
    statements = []
    event.listen(store.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    with store.session() as session:
        batch, seen = AlertBatch(HOOKS), []
        for i in range(30):
            batch.add(type="new_case" if i % 2 else "ledger", key=f"k{i}", title=f"t{i}", now=NOW, event_time=NOW,
                      case_id=f"MS-20240520-{i:04d}" if i % 2 else None, then=lambda alert: seen.append(alert.key))
        before = len(statements)
        written = batch.write(session)
        assert len(statements) - before <= 3  # alerts, deliveries (and nothing per alert)
        assert [a.key for a in written] == [f"k{i}" for i in range(30)] == seen
        ids = [a.id for a in written]
        assert ids == sorted(ids)
        rows = session.execute(select(Delivery.webhook, Delivery.order_key).order_by(Delivery.id)).all()
        assert len(rows) == 30 + 15  # every alert to /all, new cases also to /cases
        assert ("http://127.0.0.1:9/all", "type:ledger") in rows


def test_existing_and_repeated_keys_are_skipped_with_their_then(new_store):
    with new_store().session() as session:
        assert raise_alert(session, type="warning", key="old", title="t", now=NOW, event_time=NOW, webhooks=HOOKS)
        batch, seen = AlertBatch(HOOKS), []
        for key, title in (("old", "again"), ("new", "first"), ("new", "second")):
            batch.add(type="warning", key=key, title=title, now=NOW, event_time=NOW,
                      then=lambda alert: seen.append(alert.key))
        written = batch.write(session)
        assert [(a.key, a.values["title"]) for a in written] == [("new", "first")] and seen == ["new"]
        assert session.scalar(select(Alert.title).where(Alert.key == "old")) == "t"
        assert batch.write(session) == []  # written batches start empty


def test_unpushed_alerts_have_no_deliveries_and_bad_types_are_refused(store):
    with store.session() as session:
        batch = AlertBatch(HOOKS)
        batch.add(type="new_case", key="backfill", title="t", now=NOW, event_time=NOW, push=False, backfilled=True)
        assert len(batch.write(session)) == 1
        assert session.scalar(select(Delivery.id)) is None
        with pytest.raises(ValueError, match="unknown alert type 'gossip'"):
            batch.add(type="gossip", key="g", title="t", now=NOW, event_time=NOW)


def test_long_keys_fit_the_column():
    key = "warning:" + "点" * 200
    assert len(fit_key(key)) == 120 and fit_key(key) != fit_key(key + "x") and fit_key("short") == "short"
