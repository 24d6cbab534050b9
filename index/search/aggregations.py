"""Shaping aggregation results the same way for both engines: trend buckets, terms.

Time buckets are in Asia/Shanghai for the trend chart.

China has kept UTC+8 without daylight saving since 1991, so a fixed +08:00 offset
is exactly Asia/Shanghai for every post we will ever see; both engines bucket on
it, and gaps are filled here so both return the same continuous series.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Literal

from index.search.base import TrendBucket

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")
SHANGHAI_OFFSET = "+08:00"
INTERVALS: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_BUCKETS = 24 * 366 * 2  # two years of hours: a chart, not a data export


def bucket_start(moment: datetime, interval: Literal["hour", "day"]) -> datetime:
    """The Shanghai-local start of the bucket containing ``moment``."""
    local = moment.astimezone(SHANGHAI)
    if interval == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    return local.replace(minute=0, second=0, microsecond=0)


def fill_buckets(counts: dict[int, int], interval: Literal["hour", "day"],
                 since: datetime | None = None, until: datetime | None = None) -> list[TrendBucket]:
    """Continuous buckets from ``counts`` ({bucket start epoch ms: count}).

    The series runs from the first bucket with posts (or ``since``) to the last (or
    just before ``until``), with zero buckets in between.
    """
    step = INTERVALS[interval]
    starts = [datetime.fromtimestamp(ms / 1000, SHANGHAI) for ms in counts]
    if since is not None:
        starts.append(bucket_start(since, interval))
    if until is not None:
        starts.append(bucket_start(until - timedelta(microseconds=1), interval))
    if not starts:
        return []
    first, last = min(starts), max(starts)
    if (last - first) / step > MAX_BUCKETS:
        # An open-ended range over years of hours: keep only buckets that have posts.
        return [TrendBucket(start=s, count=counts[int(s.timestamp() * 1000)])
                for s in sorted(datetime.fromtimestamp(ms / 1000, SHANGHAI) for ms in counts)]
    by_start = {int(ms): c for ms, c in counts.items()}
    out: list[TrendBucket] = []
    current = first
    while current <= last:
        out.append(TrendBucket(start=current, count=by_start.get(int(current.timestamp() * 1000), 0)))
        current += step
    return out


def terms_from_buckets(buckets: list[dict[str, Any]], size: int) -> list[tuple[str, int]]:
    """Terms buckets ordered by count, then key (Elasticsearch's tie order), cut to size."""
    pairs = [(str(b["key"]), int(b["doc_count"])) for b in buckets]
    return sorted(pairs, key=lambda kv: (-kv[1], kv[0]))[:size]
