"""Source status for operators: last run, last success, recent yield, error rate, pause.

These read the store's run history; the health *rules* that raise alerts build on them.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select

from index.export import row_dict
from index.models import CrawlRun, Post, Source
from index.store import Store

_FAILED = ("failed", "timeout", "interrupted")


def source_overview(store: Store, sources: Sequence[Any], *, now: datetime | None = None,
                    recent_runs_window: int = 20) -> list[dict[str, Any]]:
    """One row per configured source, in config order."""
    now = now or datetime.now(timezone.utc)
    rows = []
    with store.session() as session:
        for source in sources:
            stored = session.get(Source, source.id)
            runs = list(session.scalars(select(CrawlRun).where(CrawlRun.source_id == source.id)
                                        .order_by(CrawlRun.id.desc()).limit(recent_runs_window)))
            finished = [run for run in runs if run.status != "running"]
            last_ok = next((run for run in finished if run.status in ("ok", "partial")), None)
            posts_24h = session.scalar(select(func.count(Post.id)).where(
                Post.source_id == source.id, Post.fetched_at >= now - timedelta(hours=24))) or 0
            failed = sum(1 for run in finished if run.status in _FAILED)
            rows.append({
                "id": source.id, "kind": source.kind, "name": source.name, "area": source.area,
                "schedule": source.schedule, "paused": bool(stored and stored.paused),
                "running": any(run.status == "running" for run in runs),
                "last_run_at": runs[0].started_at if runs else None,
                "last_status": runs[0].status if runs else None,
                "last_success_at": last_ok.finished_at if last_ok else None,
                "posts_24h": posts_24h,
                "error_rate": failed / len(finished) if finished else 0.0,
            })
    return rows


def set_paused(store: Store, source: Any, paused: bool, *, now: datetime | None = None) -> None:
    with store.session() as session:
        row = store.ensure_source(session, source.id, source.kind, source.name, source.area,
                                  now=now or datetime.now(timezone.utc))
        row.paused = paused


def is_paused(store: Store, source_id: str) -> bool:
    with store.session() as session:
        row = session.get(Source, source_id)
        return bool(row and row.paused)


def recent_runs(store: Store, source_id: str | None, limit: int = 20) -> list[dict[str, Any]]:
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if source_id:
        query = query.where(CrawlRun.source_id == source_id)
    with store.session() as session:
        return [row_dict(run) for run in session.scalars(query)]
