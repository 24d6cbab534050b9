"""Fault switches of the demo forum: 500s, 429s, slow, truncated and mis-encoded pages.

Which page misbehaves is decided by a hash of its URL, so a test knows a fault is
reproducible, and a failing page recovers after a set number of attempts, so a
crawler's retries can succeed. ``changed_template`` serves a different theme's markup
(for source-health checks), ``empty_boards`` list no threads at all (a board that
was emptied or moved); ``broken_tids`` and ``misencoded_tids`` never recover.
"""
from __future__ import annotations

import threading
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["ok", "error", "throttle", "slow"]


@dataclass
class Faults:
    error_rate: float = 0.0  # share of pages answering 500 …
    error_attempts: int = 1  # … for their first N attempts
    throttle_rate: float = 0.0  # share of pages answering 429 once, with Retry-After
    retry_after_s: int = 1
    slow_rate: float = 0.0  # share of pages whose first attempt takes slow_s seconds
    slow_s: float = 0.0
    slow_keys: set[str] = field(default_factory=set)  # pages ("thread:TID:PAGE") whose first attempt is slow
    broken_tids: set[int] = field(default_factory=set)  # thread pages served truncated
    misencoded_tids: set[int] = field(default_factory=set)  # GBK bytes labelled UTF-8
    changed_template: bool = False
    empty_boards: set[int] = field(default_factory=set)  # boards listed as having no threads
    seed: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _picked(self, key: str, salt: str, rate: float) -> bool:
        if rate <= 0:
            return False
        bucket = zlib.crc32(f"{self.seed}:{salt}:{key}".encode()) % 10_000
        return bucket < rate * 10_000

    def verdict(self, key: str) -> Verdict:
        """What to do with this request of page ``key`` (counts the attempt)."""
        with self._lock:
            self.attempts[key] += 1
            attempt = self.attempts[key]
        if key in self.slow_keys and attempt == 1:  # named pages first: tests rely on them
            return "slow"
        if self._picked(key, "error", self.error_rate) and attempt <= self.error_attempts:
            return "error"
        if self._picked(key, "throttle", self.throttle_rate) and attempt == 1:
            return "throttle"
        if self._picked(key, "slow", self.slow_rate) and attempt == 1:
            return "slow"
        return "ok"

    def update(self, changes: dict[str, Any]) -> None:
        """Apply switches from the admin endpoint; unknown names are an error."""
        for name, value in changes.items():
            if name.startswith("_") or name == "attempts" or not hasattr(self, name):
                raise ValueError(f"unknown fault switch {name!r}")
            current = getattr(self, name)
            if isinstance(current, set):
                value = {int(v) for v in value}
            elif isinstance(current, bool):
                value = bool(value)
            elif isinstance(current, (int, float)):
                value = type(current)(value)
            setattr(self, name, value)

    def describe(self) -> dict[str, Any]:
        return {name: sorted(value) if isinstance(value, set) else value
                for name, value in vars(self).items() if not name.startswith("_") and name != "attempts"}
