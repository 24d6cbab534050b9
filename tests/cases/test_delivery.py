"""Webhook delivery against a real receiver on 127.0.0.1: outage, order, signature, dead letters."""
from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from cases.config import WebhookConfig
from cases.delivery import Dispatcher, encode, sign, verify_signature
from cases.feed import delivery_log, requeue
from cases.outbox import raise_alert
from index.models import Alert, Delivery


def fill_outbox(store, hook: WebhookConfig, cases: int = 3, per_case: int = 4) -> list[str]:
    """Alerts interleaved across cases, as a busy ingest writes them; returns keys in order."""
    keys = []
    now = datetime.now(timezone.utc)
    with store.session() as session:
        for n in range(per_case):
            for c in range(cases):
                key = f"warning:MS-20240520-{c:04d}:n{n}"
                raise_alert(session, type="warning", key=key, title=f"预警 {c}/{n}", case_id=f"MS-20240520-{c:04d}",
                            now=now, event_time=now, webhooks=[hook], payload={"n": n})
                keys.append(key)
    return keys


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def assert_ordered_per_case(accepted: list[dict]) -> None:
    by_case: dict[str, list[int]] = {}
    for entry in accepted:
        by_case.setdefault(entry["body"]["case_id"], []).append(entry["body"]["id"])
    for ids in by_case.values():
        assert ids == sorted(ids)


def test_receiver_down_then_up_gets_everything_once_in_order(store, receiver):
    rx = receiver("s3cret")
    hook = WebhookConfig(url=rx.url, secret="s3cret")
    keys = fill_outbox(store, hook)
    dispatcher = Dispatcher(store, [hook], backoff_base_s=0.05, backoff_max_s=0.3, timeout_s=2)
    stop = threading.Event()
    worker = threading.Thread(target=dispatcher.run_forever, args=(stop,), kwargs={"interval_s": 0.02})
    worker.start()
    try:
        time.sleep(1.0)  # receiver down: connection refused, retried with backoff
        with store.session() as session:
            assert all(d.status == "pending" for d in session.scalars(select(Delivery)))
            assert max(d.attempts for d in session.scalars(select(Delivery))) >= 2
        rx.fail_next = 2  # up, but the first two answers are 503
        rx.start()
        assert wait_until(lambda: len(rx.accepted) == len(keys))
    finally:
        stop.set()
        worker.join(10)
    assert sorted(a["key"] for a in rx.accepted) == sorted(keys)
    assert all(r["valid"] for r in rx.requests)
    assert_ordered_per_case(rx.accepted)
    with store.session() as session:
        rows = list(session.scalars(select(Delivery)))
        assert all(d.status == "delivered" and d.last_status == 200 for d in rows)
        assert any(d.last_error is None and d.attempts > 1 for d in rows)


def test_a_failing_head_blocks_only_its_own_case(store, receiver):
    rx = receiver("k").start()
    hook = WebhookConfig(url=rx.url, secret="k")
    fill_outbox(store, hook, cases=2, per_case=2)
    dispatcher = Dispatcher(store, [hook], backoff_base_s=60)
    rx.fail_next = 1  # case 0's first alert fails
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    report = dispatcher.run_once(now)
    assert report.failed == 1 and report.delivered == 2
    assert [a["body"]["case_id"] for a in rx.accepted] == ["MS-20240520-0001", "MS-20240520-0001"]
    report = dispatcher.run_once(now + timedelta(seconds=61))  # after the backoff
    assert report.delivered == 2
    assert_ordered_per_case(rx.accepted)


def test_bad_signature_is_visible_to_the_receiver(store, receiver):
    rx = receiver("the-receivers-secret").start()
    hook = WebhookConfig(url=rx.url, secret="a-different-secret")
    fill_outbox(store, hook, cases=1, per_case=1)
    Dispatcher(store, [hook]).run_once(datetime.now(timezone.utc) + timedelta(seconds=1))
    assert rx.bad_signatures == 1 and rx.requests[0]["valid"] is False and not rx.accepted
    with store.session() as session:
        row = session.scalars(select(Delivery)).one()
        assert row.status == "pending" and row.last_status == 401


def test_signature_helpers():
    body = b'{"id":1}'
    header = sign(body, "k")
    assert header.startswith("sha256=") and len(header) == 7 + 64
    assert verify_signature(body, header, "k")
    assert not verify_signature(body + b" ", header, "k")
    assert not verify_signature(body, header, "other")
    assert not verify_signature(body, None, "k")


def test_dead_letter_after_max_age_then_requeue(store, receiver):
    rx = receiver("k")  # never started: nothing listens
    hook = WebhookConfig(url=rx.url, secret="k", max_age_h=1)
    fill_outbox(store, hook, cases=1, per_case=2)
    dispatcher = Dispatcher(store, [hook], backoff_base_s=1, timeout_s=1)
    start = datetime.now(timezone.utc)
    assert dispatcher.run_once(start + timedelta(seconds=1)).failed == 1
    report = dispatcher.run_once(start + timedelta(hours=2))
    assert report.dead == 2  # the head dies, which unblocks (and kills) the next
    with store.session() as session:
        dead = delivery_log(session, status="dead")
        assert len(dead) == 2 and all("ConnectError" in d["last_error"] for d in dead)
        requeue(session, dead[0]["id"], now=start + timedelta(hours=2))
        with pytest.raises(ValueError):
            requeue(session, dead[0]["id"], now=start)
    rx.start()
    assert dispatcher.run_once(start + timedelta(hours=2, seconds=1)).delivered == 1


def test_webhook_type_filter_and_unpushed_alerts(store):
    wants_cases = WebhookConfig(url="http://127.0.0.1:9/a", types=["new_case"])
    wants_all = WebhookConfig(url="http://127.0.0.1:9/b")
    now = datetime.now(timezone.utc)
    with store.session() as session:
        raise_alert(session, type="warning", key="w1", title="t", now=now, event_time=now,
                    webhooks=[wants_cases, wants_all])
        raise_alert(session, type="new_case", key="n1", title="t", now=now, event_time=now,
                    webhooks=[wants_cases, wants_all])
        raise_alert(session, type="new_case", key="old", title="t", now=now, event_time=now - timedelta(days=9),
                    webhooks=[wants_cases, wants_all], backfilled=True, push=False)
        assert raise_alert(session, type="new_case", key="n1", title="again", now=now, event_time=now,
                           webhooks=[wants_all]) is None
        with pytest.raises(ValueError, match="unknown alert type"):
            raise_alert(session, type="gossip", key="g", title="t", now=now, event_time=now, webhooks=[])
        rows = session.execute(select(Alert.key, Delivery.webhook).join(Delivery, Delivery.alert_id == Alert.id)
                               .order_by(Delivery.id)).all()
        assert [tuple(r) for r in rows] == [("w1", wants_all.url), ("n1", wants_cases.url), ("n1", wants_all.url)]
        body = encode(session.scalars(select(Alert).where(Alert.key == "n1")).one())
        assert b'"key":"n1"' in body


def fill_queue(store, hook: WebhookConfig, count: int) -> list[str]:
    """Case-less ledger alerts: all in one (webhook, order key) queue."""
    now = datetime.now(timezone.utc)
    with store.session() as session:
        for n in range(count):
            raise_alert(session, type="ledger", key=f"ledger:n{n}", title=f"台账 {n}", now=now, event_time=now,
                        webhooks=[hook])
    return [f"ledger:n{n}" for n in range(count)]


def test_a_queue_goes_out_in_order_with_one_commit_per_round(new_store, receiver):
    from sqlalchemy import event
    store = new_store()
    rx = receiver("k").start()
    hook = WebhookConfig(url=rx.url, secret="k")
    keys = fill_queue(store, hook, 12)
    commits = []
    event.listen(store.engine, "commit", lambda conn: commits.append(1))
    report = Dispatcher(store, [hook]).run_once(datetime.now(timezone.utc) + timedelta(seconds=1))
    assert report.delivered == 12 and [a["key"] for a in rx.accepted] == keys
    assert len(commits) <= 3  # claim the run, record it (and find nothing more): not two per delivery


def test_a_failed_head_leaves_its_run_untried(new_store, receiver):
    store = new_store()
    rx = receiver("k").start()
    hook = WebhookConfig(url=rx.url, secret="k")
    keys = fill_queue(store, hook, 4)
    rx.fail_next = 1
    dispatcher = Dispatcher(store, [hook], backoff_base_s=60)
    now = datetime.now(timezone.utc) + timedelta(seconds=1)
    report = dispatcher.run_once(now)
    assert (report.failed, report.delivered) == (1, 0) and len(rx.requests) == 1
    with store.session() as session:
        rows = list(session.scalars(select(Delivery).order_by(Delivery.id)))
        assert [d.attempts for d in rows] == [1, 0, 0, 0] and all(d.status == "pending" for d in rows)
        assert rows[0].last_status == 503 and rows[1].last_status is None and rows[1].next_attempt_at <= now
    assert dispatcher.run_once(now + timedelta(seconds=30)).delivered == 0  # the head is backing off
    assert dispatcher.run_once(now + timedelta(seconds=61)).delivered == 4
    assert [a["key"] for a in rx.accepted] == keys


def test_queues_sent_side_by_side_keep_their_own_order(store, receiver):
    rx = receiver("k").start()
    hook = WebhookConfig(url=rx.url, secret="k")
    keys = fill_outbox(store, hook, cases=6, per_case=4)
    dispatcher = Dispatcher(store, [hook], concurrency=4, round_size=10)
    report = dispatcher.run_once(datetime.now(timezone.utc) + timedelta(seconds=1))
    assert report.delivered == len(keys) and sorted(a["key"] for a in rx.accepted) == sorted(keys)
    assert_ordered_per_case(rx.accepted)
