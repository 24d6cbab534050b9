"""Webhook delivery from the outbox: signed, idempotent, ordered per case, at-least-once.

All state lives in the ``deliveries`` table. A delivery is claimed (attempt counted,
next attempt pushed out by the backoff) and committed *before* the POST, so a
dispatcher killed mid-request leaves a row that is simply retried later; the
receiver drops the repeat by its ``Idempotency-Key``. Claims and outcomes are
written a round at a time, one short transaction per round.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from cases.config import WebhookConfig
from cases.outbox import alert_body
from index.models import Alert, Delivery
from index.store import Store

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Minsheng-Signature"


def sign(body: bytes, secret: str) -> str:
    """``sha256=<hex HMAC-SHA256 of the body>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(body: bytes, header: str | None, secret: str) -> bool:
    """For receivers: whether ``header`` is the signature of ``body`` under ``secret``."""
    return bool(header) and hmac.compare_digest(sign(body, secret), header)


def encode(alert: Alert) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(alert_body(alert), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class _Claim:
    """A delivery claimed for one attempt, with the exact bytes to send."""

    id: int
    queue: tuple[str, str]  # (webhook, order key): delivered in id order
    attempt: int  # this attempt's number, from 1
    created_at: datetime
    due_at: datetime  # next_attempt_at before the claim
    body: bytes
    key: str  # the alert's idempotency key
    held: bool = False  # part of its run went to another dispatcher: give it back unsent

    @property
    def webhook(self) -> str:
        return self.queue[0]


@dataclass(frozen=True)
class _Result:
    claim: _Claim
    status: int | None
    error: str | None
    sent: bool = True  # False: its queue's head failed this round, so it was not tried


@dataclass
class DispatchReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


class Dispatcher:
    """Sends due deliveries; ``run_once`` is one pass, ``run``/``run_forever`` loop."""

    def __init__(self, store: Store, webhooks: list[WebhookConfig], http_client: httpx.Client | None = None, *,
                 backoff_base_s: float = 5.0, backoff_max_s: float = 900.0, batch: int = 200,
                 timeout_s: float = 10.0, round_size: int = 50, concurrency: int = 1) -> None:
        self.store = store
        self.webhooks = {hook.url: hook for hook in webhooks}
        self.http = http_client or httpx.Client(timeout=timeout_s)
        self.backoff_base = backoff_base_s
        self.backoff_max = backoff_max_s
        self.batch = batch  # deliveries per ``run_once``
        # Deliveries per round: an alert committed while a round is out waits for it,
        # so small rounds keep that wait short; a round costs one short transaction.
        self.round_size = round_size
        # Queues sent side by side: against a remote receiver one POST at a time caps
        # the rate at one per round trip. Each queue's run stays in order in one worker.
        self.concurrency = concurrency

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base · 2^(attempts-1), capped (no jitter: one dispatcher per store)."""
        return timedelta(seconds=min(self.backoff_max, self.backoff_base * 2 ** max(attempts - 1, 0)))

    def run_once(self, now: datetime) -> DispatchReport:
        """Deliver every due delivery whose predecessors (same webhook and case) are done.

        Each round is one short transaction that records the previous round's results
        and claims the next heads, then the POSTs go out with no transaction open. So
        the dispatcher takes the store's write lock once per round, not twice per
        delivery, and never holds it across a request.
        """
        report = DispatchReport()
        results: list[_Result] = []
        sent = 0
        while True:
            with self.store.session() as session:
                self._settle(session, results, now, report)
                limit = min(self.round_size, self.batch - sent)
                claimed = self._claim(session, now, limit) if limit > 0 else []
            if not claimed:
                return report
            runs: dict[tuple[str, str], list[_Claim]] = {}
            for item in claimed:  # in id order, so each run is in order
                runs.setdefault(item.queue, []).append(item)
            if self.concurrency > 1 and len(runs) > 1:
                with ThreadPoolExecutor(min(self.concurrency, len(runs))) as pool:
                    results = [r for run in pool.map(self._send_run, runs.values()) for r in run]
            else:
                results = [r for run in runs.values() for r in self._send_run(run)]
            sent += len(claimed)

    def _send_run(self, run: list[_Claim]) -> list[_Result]:
        """One queue's run, in order; after a failure the rest wait behind their head."""
        results: list[_Result] = []
        for item in run:
            if item.held or (results and results[-1].error is not None) or (results and not results[-1].sent):
                results.append(_Result(item, None, None, sent=False))
            else:
                results.append(self._send(item))
        return results

    def _claim(self, session: Session, now: datetime, limit: int) -> list[_Claim]:
        """Claim each (webhook, order key) queue's run of due deliveries from its head.

        A run, not only the head: alerts without a case share one queue per type, and
        one of them a round could not keep up with a busy stream. A run ends before
        the queue's first pending delivery that is not yet due. The attempt is counted
        and the next one pushed out by the backoff before the POST, so a dispatcher
        killed mid-request leaves a row that is retried later.
        """
        due = session.execute(
            select(Delivery.id, Delivery.webhook, Delivery.order_key, Delivery.attempts, Delivery.alert_id,
                   Delivery.created_at, Delivery.next_attempt_at)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.id).limit(limit)).all()
        if not due:
            return []
        keys = {row.order_key for row in due}
        pending = (Delivery.status == "pending", Delivery.order_key.in_(keys))
        group = (Delivery.webhook, Delivery.order_key)
        heads = dict(((hook, key), head) for hook, key, head in session.execute(
            select(*group, func.min(Delivery.id)).where(*pending).group_by(*group)))
        waiting = dict(((hook, key), head) for hook, key, head in session.execute(
            select(*group, func.min(Delivery.id)).where(*pending, Delivery.next_attempt_at > now).group_by(*group)))
        due_ids = {row.id for row in due}
        eligible = [row for row in due if heads.get((row.webhook, row.order_key)) in due_ids
                    and row.id < waiting.get((row.webhook, row.order_key), row.id + 1)]
        claimed: set[int] = set()
        for attempts in sorted({row.attempts for row in eligible}):
            ids = [row.id for row in eligible if row.attempts == attempts]
            # The attempts guard makes a claim exclusive: a second dispatcher's UPDATE
            # finds the count already moved and claims nothing.
            claimed.update(session.execute(
                update(Delivery).where(Delivery.id.in_(ids), Delivery.status == "pending",
                                       Delivery.attempts == attempts)
                .values(attempts=attempts + 1, next_attempt_at=now + self.backoff(attempts + 1))
                .returning(Delivery.id).execution_options(synchronize_session=False)).scalars())
        rows = [row for row in eligible if row.id in claimed]
        # Another dispatcher won part of a run: what follows its part must not overtake it.
        broken = {(row.webhook, row.order_key) for row in eligible if row.id not in claimed}
        alerts = {a.id: a for a in session.scalars(select(Alert).where(Alert.id.in_({r.alert_id for r in rows})))}
        return [_Claim(row.id, (row.webhook, row.order_key), row.attempts + 1, row.created_at, row.next_attempt_at,
                       encode(alerts[row.alert_id]), alerts[row.alert_id].key,
                       held=(row.webhook, row.order_key) in broken) for row in rows]

    def _send(self, item: _Claim) -> _Result:
        hook = self.webhooks.get(item.webhook)
        if hook is None:
            return _Result(item, None, "webhook no longer configured")
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.key,
                   SIGNATURE_HEADER: sign(item.body, hook.secret), "X-Minsheng-Delivery": str(item.id),
                   "X-Minsheng-Attempt": str(item.attempt)}
        try:
            response = self.http.post(hook.url, content=item.body, headers=headers)
        except httpx.HTTPError as exc:
            return _Result(item, None, f"{type(exc).__name__}: {exc}"[:500])
        status = response.status_code
        return _Result(item, status, None if 200 <= status < 300 else f"HTTP {status}: {response.text[:200]}")

    def _settle(self, session: Session, results: list[_Result], now: datetime, report: DispatchReport) -> None:
        """Record a round's outcomes: delivered, failed (retried after the backoff) or dead."""
        outcomes: dict[str, list[dict]] = {"delivered": [], "pending": [], "dead": []}
        untried = [{"row": r.claim.id, "attempts": r.claim.attempt - 1, "due": r.claim.due_at}
                   for r in results if not r.sent]
        table = Delivery.__table__
        if untried:
            # Give back the claim of deliveries never sent: no attempt, no backoff.
            session.connection().execute(update(table).where(table.c.id == bindparam("row")).values(
                attempts=bindparam("attempts"), next_attempt_at=bindparam("due")), untried)
        for result in results:
            item = result.claim
            if not result.sent:
                continue
            if result.error is None:
                status = "delivered"
                report.delivered += 1
            elif item.webhook not in self.webhooks or now - item.created_at >= timedelta(
                    hours=self.webhooks[item.webhook].max_age_h):
                status = "dead"
                report.dead += 1
                log.warning("delivery %s of alert %s is dead: %s", item.id, item.key, result.error)
            else:
                status = "pending"
                report.failed += 1
                log.info("delivery %s failed (attempt %s): %s", item.id, item.attempt, result.error)
            outcomes[status].append({"row": item.id, "last_status": result.status, "last_error": result.error})
        for status, rows in outcomes.items():
            if rows:
                # One executemany per outcome instead of a statement per delivery.
                values = {"last_status": bindparam("last_status"), "last_error": bindparam("last_error"),
                          "status": status, **({"delivered_at": now} if status == "delivered" else {})}
                session.connection().execute(update(table).where(table.c.id == bindparam("row")).values(values),
                                             rows)

    def run_forever(self, stop: threading.Event, *, interval_s: float = 1.0) -> None:
        """Loop until ``stop`` is set (a thread or a worker process)."""
        while not stop.is_set():
            try:
                self.run_once(datetime.now(timezone.utc))
            except Exception:  # a store hiccup must not end the loop; the rows are still there
                log.exception("dispatch pass failed")
            stop.wait(interval_s)

    async def run(self, stop: asyncio.Event, *, interval_s: float = 1.0) -> None:
        """The asyncio flavour, for the API process."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.run_once, datetime.now(timezone.utc))
            except Exception:
                log.exception("dispatch pass failed")
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval_s)
            except asyncio.TimeoutError:
                pass
