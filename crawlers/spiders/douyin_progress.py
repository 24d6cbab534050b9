"""Per-video incremental crawl state: which comments we have, where to stop, what coverage is.

Stored in ``crawl_state`` under ``douyin:video:<aweme_id>`` as
``{"seen": [cid, ...], "newest": epoch, "replies": {cid: n}, "total": n, "incomplete": bool}``.
The web app lists comments newest first, so a re-crawl can stop at the first page
that ends in a comment it already had; ``full_refresh`` pages through everything.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

STATE_PREFIX = "douyin:video:"
# Enough for the busiest local videos; beyond it the oldest ids are forgotten, which
# only means a full refresh would emit them again (ingest dedupes by external id).
MAX_REMEMBERED = 50_000


def state_key(aweme_id: str) -> str:
    return f"{STATE_PREFIX}{aweme_id}"


class VideoProgress:
    """What is known about one video's comments, before and during a run."""

    def __init__(self, aweme_id: str, state: dict[str, Any] | None = None, *,
                 full_refresh: bool = False, max_comments: int = 5000) -> None:
        state = state or {}
        self.aweme_id = aweme_id
        # A run that failed part-way may have skipped older pages: page through all next time.
        self.full_refresh = full_refresh or bool(state.get("incomplete"))
        self.max_comments = max_comments
        self.known: set[str] = {str(cid) for cid in state.get("seen", [])}
        # Stored before this run: only these mean "the rest of the list is old". Comments
        # taken earlier in this run can reappear when new ones shift the offsets.
        self.known_at_start: frozenset[str] = frozenset(self.known)
        self._order: list[str] = [str(cid) for cid in state.get("seen", [])]
        self.newest = int(state.get("newest", 0))
        self.reply_totals: dict[str, int] = {str(k): int(v) for k, v in (state.get("replies") or {}).items()}
        self.list_total: int | None = None  # the platform's `total` on the top-level list
        self.new_cids: list[str] = []
        self.pages = 0

    # -- comments -------------------------------------------------------------------------
    @property
    def fetched(self) -> int:
        """New comments and replies taken in this run."""
        return len(self.new_cids)

    @property
    def full(self) -> bool:
        return self.fetched >= self.max_comments

    def accept(self, cid: str, create_time: int = 0) -> bool:
        """True the first time a comment is seen across runs (it should be emitted)."""
        if cid in self.known or self.full:
            return False
        self.known.add(cid)
        self._order.append(cid)
        self.new_cids.append(cid)
        self.newest = max(self.newest, int(create_time or 0))
        return True

    def keep_paging(self, page_cids: Iterable[str], has_more: bool) -> bool:
        """After one top-level page: fetch the next one?

        A page whose last comment was stored before this run means the rest of the
        (newest-first) list is stored too, unless a full refresh was asked for.
        """
        self.pages += 1
        if not has_more or self.full:
            return False
        cids = list(page_cids)
        if not cids:
            return False  # has_more with an empty page: the cursor is stuck
        return self.full_refresh or cids[-1] not in self.known_at_start

    # -- replies --------------------------------------------------------------------------
    def wants_replies(self, cid: str, reply_total: int) -> bool:
        """Open a comment's replies only if it has more than when we last looked."""
        if reply_total <= 0 or self.full:
            return False
        return self.full_refresh or reply_total > self.reply_totals.get(cid, 0)

    def note_reply_total(self, cid: str, reply_total: int) -> None:
        if reply_total > 0:
            self.reply_totals[cid] = reply_total

    # -- coverage and persistence ---------------------------------------------------------
    @property
    def total_reported(self) -> int:
        """The platform's own count: the top-level total plus every comment's reply total."""
        return (self.list_total or 0) + sum(self.reply_totals.values())

    @property
    def covered(self) -> int:
        return len(self.known)

    def to_state(self, *, complete: bool = True) -> dict[str, Any]:
        seen = self._order[-MAX_REMEMBERED:]
        return {"seen": seen, "newest": self.newest, "replies": self.reply_totals,
                "total": self.total_reported, "incomplete": not complete}
