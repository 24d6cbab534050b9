"""Webhook delivery from the outbox: signed, idempotent, ordered per case, at-least-once.

All state lives in the ``deliveries`` table. A delivery is claimed (attempt counted,
next attempt pushed out by the backoff) and committed *before* the POST, so a
dispatcher killed mid-request leaves a row that is simply retried later; the
receiver drops the repeat by its ``Idempotency-Key``.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import httpx
from sqlalchemy import func, select, update

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


@dataclass
class DispatchReport:
    delivered: int = 0
    failed: int = 0
    dead: int = 0


class Dispatcher:
    """Sends due deliveries; ``run_once`` is one pass, ``run``/``run_forever`` loop."""

    def __init__(self, store: Store, webhooks: list[WebhookConfig], http_client: httpx.Client | None = None, *,
                 backoff_base_s: float = 5.0, backoff_max_s: float = 900.0, batch: int = 200,
                 timeout_s: float = 10.0) -> None:
        self.store = store
        self.webhooks = {hook.url: hook for hook in webhooks}
        self.http = http_client or httpx.Client(timeout=timeout_s)
        self.backoff_base = backoff_base_s
        self.backoff_max = backoff_max_s
        self.batch = batch

    def backoff(self, attempts: int) -> timedelta:
        """Exponential: base · 2^(attempts-1), capped (no jitter: one dispatcher per store)."""
        return timedelta(seconds=min(self.backoff_max, self.backoff_base * 2 ** max(attempts - 1, 0)))

    def run_once(self, now: datetime) -> DispatchReport:
        """Deliver every due delivery whose predecessors (same webhook and case) are done."""
        report = DispatchReport()
        sent = 0
        while sent < self.batch:
            heads = self._eligible(now)
            if not heads:
                break
            for delivery_id in heads:
                self._attempt(delivery_id, now, report)
                sent += 1
        return report

    def _eligible(self, now: datetime) -> list[int]:
        """Due deliveries that head their (webhook, order key) queue."""
        with self.store.session() as session:
            due = session.execute(
                select(Delivery.id, Delivery.webhook, Delivery.order_key)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .order_by(Delivery.id).limit(self.batch)).all()
            if not due:
                return []
            keys = {row.order_key for row in due}
            heads = session.execute(
                select(Delivery.webhook, Delivery.order_key, func.min(Delivery.id))
                .where(Delivery.status == "pending", Delivery.order_key.in_(keys))
                .group_by(Delivery.webhook, Delivery.order_key)).all()
        first = {(hook, key): head for hook, key, head in heads}
        return [row.id for row in due if first.get((row.webhook, row.order_key)) == row.id]

    def _claim(self, delivery_id: int, now: datetime) -> tuple[Delivery, bytes, str] | None:
        with self.store.session() as session:
            delivery = session.get(Delivery, delivery_id)
            if delivery is None or delivery.status != "pending":
                return None
            claimed = session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending",
                                       Delivery.attempts == delivery.attempts)
                .values(attempts=delivery.attempts + 1,
                        next_attempt_at=now + self.backoff(delivery.attempts + 1))).rowcount
            if claimed != 1:
                return None  # another dispatcher took it
            alert = session.get(Alert, delivery.alert_id)
            return delivery, encode(alert), alert.key

    def _attempt(self, delivery_id: int, now: datetime, report: DispatchReport) -> None:
        claimed = self._claim(delivery_id, now)
        if claimed is None:
            return
        delivery, body, key = claimed
        hook = self.webhooks.get(delivery.webhook)
        status, error = None, None
        if hook is None:
            error = "webhook no longer configured"
        else:
            headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": key,
                       SIGNATURE_HEADER: sign(body, hook.secret), "X-Minsheng-Delivery": str(delivery.id),
                       "X-Minsheng-Attempt": str(delivery.attempts + 1)}
            try:
                response = self.http.post(hook.url, content=body, headers=headers)
                status = response.status_code
                error = None if 200 <= status < 300 else f"HTTP {status}: {response.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"[:500]
        self._settle(delivery, hook, status, error, now, report)

    def _settle(self, delivery: Delivery, hook: WebhookConfig | None, status: int | None, error: str | None,
                now: datetime, report: DispatchReport) -> None:
        with self.store.session() as session:
            row = session.get(Delivery, delivery.id)
            row.last_status, row.last_error = status, error
            if error is None:
                row.status, row.delivered_at = "delivered", now
                report.delivered += 1
            elif hook is None or now - row.created_at >= timedelta(hours=hook.max_age_h):
                row.status = "dead"
                report.dead += 1
                log.warning("delivery %s of alert %s is dead: %s", row.id, row.alert_id, error)
            else:
                report.failed += 1
                log.info("delivery %s failed (attempt %s): %s", row.id, row.attempts, error)

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
