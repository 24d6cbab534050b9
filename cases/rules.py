"""Early-warning rules as data: pure verdicts over windowed facts.

Nothing here touches the database or the clock. The engine fetches the posts of one
window through an indexed query (``cases.windows``) and asks these functions whether
a rule fires at ``event_time`` (the posts' own time, so a backfill replays history).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import mean, pstdev
from typing import Any

from cases.config import RuleConfig
from cases.simhash import similarity

PRIORITIES = ("low", "normal", "high", "urgent")
ACTION_ALERT = {"warning": "warning", "escalate": "escalation", "ledger": "ledger", "spike": "spike"}


@dataclass(frozen=True)
class WindowPost:
    """One complaint post as the rules see it."""

    post_id: int
    author: str  # source-qualified author key
    published_at: datetime
    counted: bool = True  # False: an author's near-duplicate
    signature: str | None = None
    place_id: str | None = None
    case_id: str | None = None


@dataclass(frozen=True)
class Verdict:
    fires: bool
    count: int
    authors: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


def in_window(moment: datetime, event_time: datetime, window: timedelta) -> bool:
    """(event_time - window, event_time]: the window that ends with the triggering post."""
    return event_time - window < moment <= event_time


def already_fired(last_fired: datetime | None, event_time: datetime, window: timedelta) -> bool:
    """A (rule, subject) fires once per window: an alert less than one window away
    (before or after, as backfills arrive out of order) covers this one."""
    return last_fired is not None and abs(event_time - last_fired) < window


def count_rule(rule: RuleConfig, posts: list[WindowPost], *, event_time: datetime) -> Verdict:
    """``min_posts`` counted posts from ``min_authors`` distinct authors in the window."""
    window = rule.window_delta
    hits = [p for p in posts if p.counted and in_window(p.published_at, event_time, window)]
    authors = {p.author for p in hits}
    fires = len(hits) >= rule.min_posts and len(authors) >= rule.min_authors
    return Verdict(fires, len(hits), len(authors), {"post_ids": sorted(p.post_id for p in hits)})


def complainant_rule(rule: RuleConfig, posts: list[WindowPost], *, event_time: datetime) -> Verdict:
    """One author with ``min_posts`` counted complaints in the window → the 高频诉求人 ledger.

    ``detail["professional"]`` flags the professional-claimant pattern: many claims
    alike in wording (a template) against at least ``min_targets`` different targets.
    """
    window = rule.window_delta
    hits = [p for p in posts if p.counted and in_window(p.published_at, event_time, window)]
    pattern = claim_pattern(hits, rule.template_similarity)
    professional = (pattern["targets"] >= rule.min_targets
                    and pattern["templated"] >= max(rule.min_targets, math.ceil(len(hits) / 2)))
    detail = {**pattern, "professional": professional, "post_ids": sorted(p.post_id for p in hits)}
    return Verdict(len(hits) >= rule.min_posts, len(hits), 1 if hits else 0, detail)


def claim_pattern(posts: list[WindowPost], threshold: float, cap: int = 80) -> dict[str, int]:
    """How many distinct targets an author's claims name, and how many claims share
    their wording (similarity ≥ ``threshold``) with a claim against another target."""
    recent = sorted(posts, key=lambda p: p.published_at)[-cap:]  # bound the pairwise work
    targets = {p.place_id or p.case_id or f"post:{p.post_id}" for p in recent}
    templated = 0
    for i, post in enumerate(recent):
        target = post.place_id or post.case_id
        for j, other in enumerate(recent):
            if i != j and (other.place_id or other.case_id) != target \
                    and similarity(post.signature, other.signature) >= threshold:
                templated += 1
                break
    return {"targets": len(targets), "templated": templated}


def point_rule(rule: RuleConfig, case_times: list[datetime], *, event_time: datetime) -> Verdict:
    """One place with ``min_cases`` cases first seen in the window → the 高频点位 ledger."""
    hits = [t for t in case_times if in_window(t, event_time, rule.window_delta)]
    return Verdict(len(hits) >= rule.min_cases, len(hits))


def spike_rule(rule: RuleConfig, today: date, today_count: int, history: dict[date, int]) -> Verdict:
    """Today's count against mean + σ·sd of the previous ``baseline_days`` days.

    Weekday-aware: weekdays are compared with weekdays and weekends with weekends when
    the baseline holds at least three such days, because complaint volume drops at
    weekends. The sd has a Poisson floor (√mean, at least 1) so a flat history of
    zeros does not turn a single post into a spike.
    """
    days = [today - timedelta(days=offset) for offset in range(1, rule.baseline_days + 1)]
    weekend = today.weekday() >= 5
    same_kind = [d for d in days if (d.weekday() >= 5) == weekend]
    basis = same_kind if len(same_kind) >= 3 else days
    counts = [history.get(d, 0) for d in basis]
    base = mean(counts)
    spread = max(pstdev(counts), math.sqrt(base), 1.0)
    threshold = base + rule.sigma * spread
    fires = today_count >= rule.min_count and today_count > threshold
    return Verdict(fires, today_count, 0, {"baseline_mean": round(base, 3), "baseline_sd": round(spread, 3),
                                           "threshold": round(threshold, 3), "baseline_days": len(basis),
                                           "weekend": weekend})


def priority_from_urgency(urgency: str | None) -> str:
    """The tagger's urgency seeds the priority: high → high, low → low."""
    return {"high": "high", "low": "low"}.get(urgency or "normal", "normal")


def bump_priority(priority: str) -> str:
    """One step up (提级), saturating at urgent."""
    index = PRIORITIES.index(priority) if priority in PRIORITIES else 1
    return PRIORITIES[min(index + 1, len(PRIORITIES) - 1)]


def alert_type_for(rule: RuleConfig) -> str:
    """The alert type a rule's action raises."""
    return ACTION_ALERT[rule.action]
