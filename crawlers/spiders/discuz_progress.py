"""Incremental crawl state for Discuz! boards, kept in the store (``crawl_state``).

Per thread (``thread:TID``): the reply count and last-post time the list showed when
the thread was last stored, the last page and pid seen. Per board (``board:URL``): when
the last *complete* walk started. A thread is fetched again only if its list row
differs from its state, starting from the last page it had. A walk over a list sorted
by last post stops at the first page whose threads are all unchanged and older than
the last complete walk: everything below it was stored by that walk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.pages.discuz import ThreadList, ThreadRow

# Allowance for the forum's clock against its Date header, and minute-precision times.
CLOCK_MARGIN = timedelta(minutes=5)
_REWRITTEN = re.compile(r"thread-(\d+)-(\d+)-(\d+)\.html")


def thread_key(tid: int) -> str:
    return f"thread:{tid}"


def board_key(url: str) -> str:
    return f"board:{url}"[:200]


def thread_page_url(url: str, page: int) -> str | None:
    """The URL of page ``page`` of the thread at ``url`` (plain or rewritten); None if unknown."""
    if _REWRITTEN.search(url):
        return _REWRITTEN.sub(lambda m: f"thread-{m[1]}-{page}-{m[3]}.html", url, count=1)
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    if not any(k == "tid" for k, _ in query):
        return None
    query.append(("page", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query, safe="%")))


def row_state(row: ThreadRow) -> dict[str, Any]:
    """What of a list row decides whether the thread changed (views do not count)."""
    return {"replies": row.replies, "last_post": row.last_post_at.isoformat() if row.last_post_at else None}


def needs_fetch(state: dict[str, Any] | None, row: ThreadRow) -> bool:
    """Whether the thread in ``row`` is new, changed, or was left part-way last time."""
    if state is None or state.get("partial"):
        return True
    if row.replies is None:
        return True  # a list without counts gives no way to tell: fetch its last page
    seen = row_state(row)
    if state.get("replies") != seen["replies"]:
        return True
    # Compare last-post times only when both runs saw them stated absolutely.
    return bool(seen["last_post"] and state.get("last_post") and state["last_post"] != seen["last_post"])


def can_stop_walk(listing: ThreadList, states: dict[str, dict[str, Any]], scheduled: set[int],
                  complete_walk_at: datetime | None) -> bool:
    """Whether the pages after ``listing`` hold only threads the last complete walk stored."""
    if complete_walk_at is None:
        return False
    rows = [row for row in listing.threads if not row.sticky]
    if not rows:
        return False
    times = [row.last_post_at for row in rows]
    if any(t is None for t in times):
        return False
    if any(later > earlier for earlier, later in zip(times, times[1:])):
        return False  # not sorted by last post: a changed thread may sit on any page
    for row in rows:
        if row.tid in scheduled or needs_fetch(states.get(thread_key(row.tid)), row):
            return False
        if row.last_post_at > complete_walk_at - CLOCK_MARGIN:  # type: ignore[operator]
            return False
    return True


@dataclass
class ThreadVisit:
    """One thread's fetch in this run: which pages, and what was seen."""

    board: str
    row: ThreadRow
    start_page: int = 1
    also_first: bool = False  # fetch page 1 too (the opening post may have been edited)
    pages: int = 0
    last_page: int = 1
    last_pid: int = 0

    def state(self, partial: bool) -> dict[str, Any]:
        return {**row_state(self.row), "last_page": self.last_page, "last_pid": self.last_pid,
                "url": self.row.url, "partial": partial}


@dataclass
class BoardWalk:
    """One board's list walk in this run."""

    url: str
    complete_walk_at: datetime | None = None  # from the board's state
    started_at: datetime | None = None
    listing_done: bool = False
    outstanding: int = 0
    failed: bool = False
    finished: bool = False
    list_pages: int = 0
    changed: list[int] = field(default_factory=list)

    def ready(self) -> bool:
        """Whether the walk is complete and its state may be saved (once)."""
        return self.listing_done and self.outstanding == 0 and not self.failed and not self.finished
