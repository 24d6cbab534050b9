"""The two ledgers districts keep: 高频诉求人 (frequent complainants) and 高频点位
(frequent points), read live over the rule's window with the rule's thresholds."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cases import windows
from cases.config import DEFAULT_RULES, RuleConfig
from cases.rules import complainant_rule
from index.models import Case, Post, PostTag


def rule_of_kind(rules: list[RuleConfig] | None, kind: str) -> RuleConfig:
    """The configured rule of a kind, or the district default for it."""
    for rule in rules or []:
        if rule.resolved_kind() == kind and rule.enabled:
            return rule
    return next(RuleConfig(**r) for r in DEFAULT_RULES if RuleConfig(**r).resolved_kind() == kind)


def _case_brief(case: Case) -> dict[str, Any]:
    return {"id": case.id, "title": case.title, "status": case.status, "priority": case.priority,
            "first_seen": case.first_seen.isoformat(), "place_id": case.place_id}


def frequent_complainants(session: Session, rule: RuleConfig, *, now: datetime,
                          limit: int = 100) -> list[dict[str, Any]]:
    """Authors with ``rule.min_posts`` counted complaints in the window, most active
    first, with their cases and the professional-claimant flag."""
    start = now - rule.window_delta
    groups = session.execute(
        select(Post.source_id, Post.author_id, func.count().label("n"), func.max(Post.author_name))
        .join(PostTag, PostTag.post_id == Post.id)
        .where(Post.published_at > start, Post.published_at <= now, PostTag.is_complaint.is_(True),
               Post.author_id.is_not(None))
        .group_by(Post.source_id, Post.author_id).having(func.count() >= rule.min_posts)
        .order_by(func.count().desc()).limit(limit)).all()
    entries = []
    for source_id, author_id, _n, author_name in groups:
        posts = windows.author_posts(session, source_id, author_id, start, now)
        verdict = complainant_rule(rule, posts, event_time=now)
        if not verdict.fires:
            continue  # reposts made up the difference
        case_ids = sorted({p.case_id for p in posts if p.case_id})
        cases = session.scalars(select(Case).where(Case.id.in_(case_ids))) if case_ids else []
        entries.append({"source_id": source_id, "author_id": author_id, "author_name": author_name,
                        "posts": verdict.count, "targets": verdict.detail["targets"],
                        "templated": verdict.detail["templated"], "professional": verdict.detail["professional"],
                        "label": "疑似职业索赔" if verdict.detail["professional"] else "高频诉求人",
                        "cases": [_case_brief(c) for c in cases]})
    entries.sort(key=lambda e: (not e["professional"], -e["posts"]))
    return entries


def frequent_points(session: Session, rule: RuleConfig, *, now: datetime, limit: int = 100) -> list[dict[str, Any]]:
    """Places with ``rule.min_cases`` cases first seen in the window, busiest first."""
    start = now - rule.window_delta
    window = (Case.first_seen > start, Case.first_seen <= now, Case.status != "merged", Case.place_id.is_not(None))
    groups = session.execute(select(Case.place_id, func.count()).where(*window).group_by(Case.place_id)
                             .having(func.count() >= rule.min_cases).order_by(func.count().desc())
                             .limit(limit)).all()
    entries = []
    for place_id, count in groups:
        cases = list(session.scalars(select(Case).where(Case.place_id == place_id, *window)
                                     .order_by(Case.first_seen)))
        place = cases[-1].place or {}
        entries.append({"place_id": place_id, "name": place.get("name") or place_id,
                        "district": cases[-1].district, "street": cases[-1].street, "cases": count,
                        "categories": sorted({c.level2 for c in cases if c.level2}),
                        "open": sum(c.status not in ("resolved", "closed", "rejected") for c in cases),
                        "items": [_case_brief(c) for c in cases]})
    return entries
