"""The spike rule's windowed counters: complaint posts per category × district per local day.

A day is read with one grouped query over its range of ix_posts_published, for every
category and district at once, and kept: past days do not change while today's
posts stream in. The days the batch writes to are bumped by the batch's own posts
and re-read from the store every ``recount_s`` to pick up other writers' posts.
No read reaches further back than the baseline, however long the history.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from index.models import Post, PostTag

DayKey = tuple[str, str]  # (category, district)


@dataclass
class _Day:
    counts: Counter[DayKey]
    read_at: float  # monotonic
    complete: bool  # the day had ended when it was read


class DailyCounts:
    """Per-process cache of daily complaint counts, one entry per (category column, day)."""

    def __init__(self, tz: ZoneInfo, *, recount_s: float = 60.0, keep_days: int = 120) -> None:
        self.tz, self.recount_s, self.keep_days = tz, recount_s, keep_days
        self._days: dict[tuple[str, date], _Day] = {}

    def _bounds(self, day: date) -> tuple[datetime, datetime]:
        start = datetime.combine(day, datetime.min.time(), self.tz)
        return start, datetime.combine(day + timedelta(days=1), datetime.min.time(), self.tz)

    def _read(self, session: Session, column: str, day: date, now: datetime) -> _Day:
        start, end = self._bounds(day)
        level = getattr(PostTag, column)
        rows = session.execute(
            select(level, PostTag.district, func.count()).join(Post, Post.id == PostTag.post_id)
            .where(Post.published_at >= start, Post.published_at < end, PostTag.is_complaint.is_(True),
                   level.is_not(None), PostTag.district.is_not(None))
            .group_by(level, PostTag.district))
        entry = _Day(Counter({(category, district): n for category, district, n in rows}), time.monotonic(),
                     end <= now)
        if len(self._days) >= self.keep_days:
            # Bound memory: drop the entry read longest ago; it is one query to rebuild.
            del self._days[min(self._days, key=lambda k: self._days[k].read_at)]
        self._days[(column, day)] = entry
        return entry

    def record(self, session: Session, column: str, day: date, added: Counter[DayKey], now: datetime) -> None:
        """The batch wrote ``added`` posts to ``day`` (already flushed to the store)."""
        entry = self._days.get((column, day))
        if entry is not None and time.monotonic() - entry.read_at < self.recount_s:
            entry.counts.update(added)
        else:
            self._read(session, column, day, now)  # the read includes the batch's posts

    def day(self, session: Session, column: str, day: date, now: datetime) -> Counter[DayKey]:
        """The counts of one local day, from the cache when they cannot have changed."""
        entry = self._days.get((column, day))
        if entry is None or (not entry.complete and self._bounds(day)[1] <= now):
            # Read while the day was still running, and it has ended since: read it whole, once.
            entry = self._read(session, column, day, now)
        return entry.counts

    def history(self, session: Session, column: str, key: DayKey, today: date, days: int,
                now: datetime) -> dict[date, int]:
        """Counts of ``key`` on each of the ``days`` days before ``today``."""
        found = {}
        for offset in range(1, days + 1):
            day = today - timedelta(days=offset)
            found[day] = self.day(session, column, day, now).get(key, 0)
        return found
