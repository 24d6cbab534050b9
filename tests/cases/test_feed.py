"""The pull feed (cursor) and the SSE stream both deliver the outbox."""
from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import pytest

from cases.feed import alert_stream, alerts_after
from cases.outbox import raise_alert


def add(store, key: str, type_: str = "warning") -> None:
    now = datetime.now(timezone.utc)
    with store.session() as session:
        raise_alert(session, type=type_, key=key, title=key, now=now, event_time=now, webhooks=[], case_id="MS-1")


def test_pull_feed_pages_by_cursor(store):
    for i in range(5):
        add(store, f"k{i}", "new_case" if i % 2 else "warning")
    with store.session() as session:
        first, cursor = alerts_after(session, 0, limit=2)
        rest, cursor2 = alerts_after(session, cursor, limit=10)
        assert [a["key"] for a in first + rest] == [f"k{i}" for i in range(5)]
        assert alerts_after(session, cursor2) == ([], cursor2)
        only, _ = alerts_after(session, 0, types=["new_case"])
        assert [a["key"] for a in only] == ["k1", "k3"]
        with pytest.raises(ValueError, match="after"):
            alerts_after(session, -1)


def test_sse_stream_replays_then_follows(store):
    add(store, "before")

    async def consume() -> list[str]:
        frames: list[str] = []
        stream = alert_stream(store, 0, poll_s=0.05, stopped=lambda: len(frames) >= 2)
        async def late_writer() -> None:
            await asyncio.sleep(0.2)
            await asyncio.to_thread(add, store, "after")
        writer = asyncio.create_task(late_writer())
        async for frame in stream:
            frames.append(frame)
        await writer
        return frames

    frames = asyncio.run(consume())
    assert [json.loads(f.split("data: ", 1)[1])["key"] for f in frames] == ["before", "after"]
    assert frames[0].startswith("id: 1\nevent: warning\n")
