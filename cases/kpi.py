"""KPIs of proactive handling: lead over the hotline, speed, closure, overdue and
reopen rates, and the 日清、周结、月分析 counts in local (Asia/Shanghai) time."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from index.models import Alert, Case, CaseEvent


def _median_seconds(values: list[timedelta]) -> float | None:
    return round(median(v.total_seconds() for v in values), 1) if values else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def lead_time(case: Case) -> timedelta | None:
    """How long before the first hotline call the monitor had the case.

    Live cases count from creation; a backfilled case was created long after the
    fact, so it counts from its first post instead.
    """
    if not (case.flags or {}).get("proactive") or case.hotline_linked_at is None:
        return None
    start = case.first_seen if case.backfilled else case.created_at
    return max(case.hotline_linked_at - start, timedelta(0))


def compute_kpis(session: Session, *, now: datetime, days: int = 30, tz_name: str = "Asia/Shanghai") -> dict[str, Any]:
    """KPIs over cases created in the last ``days`` days (merged cases left out)."""
    if days < 1:
        raise ValueError(f"days must be ≥ 1, not {days}")
    tz = ZoneInfo(tz_name)
    since = now - timedelta(days=days)
    window = (Case.created_at > since, Case.created_at <= now, Case.status != "merged")
    cases = list(session.scalars(select(Case).where(*window)))
    ids = select(Case.id).where(*window).scalar_subquery()
    overdue = session.scalar(select(func.count(func.distinct(Alert.case_id)))
                             .where(Alert.type == "overdue", Alert.case_id.in_(ids))) or 0
    reopened = session.scalar(select(func.count(func.distinct(CaseEvent.case_id)))
                              .where(CaseEvent.action == "reopen", CaseEvent.case_id.in_(ids))) or 0
    leads = [t for t in (lead_time(c) for c in cases) if t is not None]
    live = [c for c in cases if not c.backfilled]
    total = len(cases)
    return {
        "period": {"since": since.isoformat(), "until": now.isoformat(), "days": days, "timezone": tz_name},
        "cases": total,
        "proactive": {"hotline_linked": sum(1 for c in cases if c.hotline_linked_at),
                      "opened_before_hotline": len(leads), "lead_time_median_s": _median_seconds(leads),
                      "opened_by_hotline": sum(1 for c in cases if (c.flags or {}).get("opened_by") == "hotline")},
        "post_to_case_median_s": _median_seconds([c.created_at - c.first_seen for c in live]),
        "case_to_dispatch_median_s": _median_seconds([c.dispatched_at - c.created_at for c in cases
                                                      if c.dispatched_at]),
        "rates": {"closure": _rate(sum(c.status in ("resolved", "closed") for c in cases), total),
                  "overdue": _rate(overdue, total), "reopen": _rate(reopened, total),
                  "rejected": _rate(sum(c.status == "rejected" for c in cases), total)},
        "counts": _buckets(cases, tz),
    }


def _buckets(cases: list[Case], tz: ZoneInfo) -> dict[str, dict[str, dict[str, int]]]:
    """Opened / dispatched / resolved per local day (日清), ISO week (周结), month (月分析)."""
    result: dict[str, dict[str, dict[str, int]]] = {"daily": {}, "weekly": {}, "monthly": {}}
    for field in ("created_at", "dispatched_at", "resolved_at", "closed_at"):
        counters = {"daily": Counter(), "weekly": Counter(), "monthly": Counter()}
        for case in cases:
            moment = getattr(case, field)
            if moment is None:
                continue
            local = moment.astimezone(tz)
            year, week, _ = local.isocalendar()
            counters["daily"][local.date().isoformat()] += 1
            counters["weekly"][f"{year}-W{week:02d}"] += 1
            counters["monthly"][f"{local:%Y-%m}"] += 1
        name = {"created_at": "opened", "dispatched_at": "dispatched", "resolved_at": "resolved",
                "closed_at": "closed"}[field]
        for span, counter in counters.items():
            for bucket, value in counter.items():
                result[span].setdefault(bucket, {"opened": 0, "dispatched": 0, "resolved": 0, "closed": 0})
                result[span][bucket][name] = value
    return {span: dict(sorted(rows.items())) for span, rows in result.items()}
