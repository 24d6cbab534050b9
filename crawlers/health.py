"""Source status for operators: last run, last success, recent yield, error rate, pause, health.

These read the store's run history. The health rules themselves are pure functions
(crawlers.health_rules); this module loads each source's history for them and raises
their findings as ``source_health`` alerts through the cases' outbox.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases.outbox import raise_alert
from crawlers.health_config import HealthConfig
from crawlers.health_rules import RULE_NAMES, Finding, RunRecord, alert_key, evaluate
from index.export import row_dict
from index.models import CrawlRun, Post, Source
from index.store import Store

_FAILED = ("failed", "timeout", "interrupted")
_YIELDING_RUNS = 20  # enough to tell a source's usual rhythm


def source_overview(store: Store, sources: Sequence[Any], *, now: datetime | None = None,
                    recent_runs_window: int = 20, health: HealthConfig | None = None) -> list[dict[str, Any]]:
    """One row per configured source, in config order, with its health right now."""
    now = now or datetime.now(timezone.utc)
    health = health or HealthConfig()
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
                "health": health_summary(findings_of(session, source, health, now),
                                         paused=bool(stored and stored.paused)),
            })
    return rows


def health_summary(findings: Sequence[Finding], *, paused: bool = False) -> dict[str, Any]:
    """``{"status": ok|warning|critical|paused, "problems": [{rule, name, level, title, since}]}``."""
    if paused:
        return {"status": "paused", "problems": []}
    status = "ok"
    if findings:
        status = "critical" if any(f.level == "critical" for f in findings) else "warning"
    return {"status": status, "problems": [
        {"rule": f.rule, "name": RULE_NAMES.get(f.rule, f.rule), "level": f.level, "title": f.title,
         "since": f.since} for f in findings]}


def _record(run: CrawlRun) -> RunRecord:
    return RunRecord(id=run.id, status=run.status, started_at=run.started_at, finished_at=run.finished_at,
                     pages=run.pages, items=run.items, new_posts=run.new_posts, errors=run.errors,
                     stats=run.stats or {}, message=run.message)


def run_history(session: Session, source_id: str, config: HealthConfig) -> tuple[list[RunRecord], list[RunRecord]]:
    """(latest runs, latest runs that stored new posts), newest first."""
    runs = session.scalars(select(CrawlRun).where(CrawlRun.source_id == source_id)
                           .order_by(CrawlRun.id.desc()).limit(config.history_runs))
    yielding = session.scalars(select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.new_posts > 0)
                               .order_by(CrawlRun.id.desc()).limit(_YIELDING_RUNS))
    return [_record(run) for run in runs], [_record(run) for run in yielding]


def findings_of(session: Session, source: Any, config: HealthConfig, now: datetime) -> list[Finding]:
    """The health rules' verdict on one configured source."""
    runs, yielding = run_history(session, source.id, config)
    return evaluate(source.name or source.id, runs, yielding, config, now)


def check_health(store: Store, settings: Any, *, now: datetime | None = None,
                 source_ids: Sequence[str] | None = None) -> list[tuple[str, Finding, bool]]:
    """Evaluate crawled, unpaused sources and raise ``source_health`` alerts for their findings.

    Returns ``(source id, finding, raised)`` per finding; ``raised`` is False when the
    episode's alert already exists (the check is idempotent and may run any time).
    """
    now = now or datetime.now(timezone.utc)
    config: HealthConfig = settings.health
    results: list[tuple[str, Finding, bool]] = []
    for source in settings.sources:
        if source.kind not in ("discuz", "douyin") or (source_ids is not None and source.id not in source_ids):
            continue
        # One transaction per source: a failure on one cannot hold back the others' alerts.
        with store.session() as session:
            stored = session.get(Source, source.id)
            if stored is None or stored.paused:
                continue  # never crawled, or an operator stopped it on purpose
            for finding in findings_of(session, source, config, now):
                alert = raise_alert(
                    session, type="source_health", key=alert_key(source.id, finding, now, config.realert_s),
                    title=finding.title, now=now, event_time=finding.since, webhooks=settings.webhooks,
                    level=finding.level, source_id=source.id, rule_id=finding.rule,
                    payload={"source": source.id, "source_name": source.name, "rule": finding.rule,
                             "since": finding.since.isoformat(), **finding.detail})
                results.append((source.id, finding, alert is not None))
    return results


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
