"""A dispatcher killed with SIGKILL mid-delivery loses nothing once restarted."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from cases.config import WebhookConfig
from index.models import Delivery
from tests.cases.test_delivery import assert_ordered_per_case, fill_outbox, wait_until

REPO = Path(__file__).resolve().parents[2]
WORKER = """
import sys, threading
from cases.config import WebhookConfig
from cases.delivery import Dispatcher
from index.store import Store
store = Store(sys.argv[1])
hook = WebhookConfig(url=sys.argv[2], secret="s3cret")
Dispatcher(store, [hook], backoff_base_s=0.2, backoff_max_s=1, timeout_s=5).run_forever(
    threading.Event(), interval_s=0.05)
"""


def start_worker(url: str, hook_url: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WORKER, url, hook_url], cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_sigkill_during_delivery_then_restart(store, receiver):
    rx = receiver("s3cret", delay_s=0.4).start()  # each answer takes a while: a kill lands mid-request
    hook = WebhookConfig(url=rx.url, secret="s3cret")
    keys = fill_outbox(store, hook, cases=2, per_case=4)
    worker = start_worker(store.url, rx.url)
    try:
        assert wait_until(lambda: len(rx.accepted) >= 3, timeout=30)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(10)
    assert worker.returncode == -signal.SIGKILL
    with store.session() as session:
        pending = [d for d in session.scalars(select(Delivery)) if d.status == "pending"]
        assert pending, "the kill should leave work behind"
    rx.delay_s = 0.0
    again = start_worker(store.url, rx.url)
    try:
        assert wait_until(lambda: len(rx.accepted) == len(keys), timeout=30)
        assert wait_until(lambda: all(d.status == "delivered" for d in store_rows(store)), timeout=10)
    finally:
        os.kill(again.pid, signal.SIGKILL)
        again.wait(10)
    assert sorted(a["key"] for a in rx.accepted) == sorted(keys)
    assert_ordered_per_case(rx.accepted)
    assert len(rx.requests) >= len(keys)  # at-least-once: a repeat is dropped by key


def store_rows(store) -> list[Delivery]:
    with store.session() as session:
        return list(session.scalars(select(Delivery)))
