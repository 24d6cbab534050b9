"""Case-engine settings: early-warning rules, matching, SLAs and dispatch webhooks.

Rules are data. The districts' own defaults apply when the config omits ``rules:``.
"""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

_DURATION = re.compile(r"^(\d+)\s*(m|h|d)$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_window(text: str) -> timedelta:
    """'24h' → 24 hours; '30d' → 30 days; '90m' → 90 minutes."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"window {text!r} is not a duration like 90m, 24h or 30d")
    # One timedelta, not a table of three: the rules ask for their window per subject.
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


RuleKind = Literal["count", "frequent-complainant", "frequent-point", "spike"]
RuleAction = Literal["warning", "escalate", "ledger", "spike"]


class RuleConfig(BaseModel):
    """One early-warning rule.

    ``kind`` defaults from the id for the built-in rule names, and to ``count``
    (posts within a window over a scope) otherwise.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: RuleKind | None = None
    window: str = "24h"
    min_posts: int = Field(default=3, ge=1)
    min_authors: int = Field(default=1, ge=1)
    min_cases: int = Field(default=3, ge=1)  # frequent-point
    scope: Literal["point+category", "point", "case", "category+district"] = "point+category"
    action: RuleAction = "warning"
    sigma: float = Field(default=3.0, gt=0)  # spike
    baseline_days: int = Field(default=14, ge=2)  # spike
    min_count: int = Field(default=3, ge=1)  # spike: ignore tiny counts
    # spike: the category level counted per district (None: the match category level).
    category_level: Literal[1, 2, 3] | None = None
    # frequent-complainant: the professional-claimant pattern needs this many distinct
    # targets (places) among claims at least ``template_similarity`` alike.
    min_targets: int = Field(default=3, ge=2)
    template_similarity: float = Field(default=0.6, gt=0, le=1)
    enabled: bool = True

    @field_validator("window")
    @classmethod
    def _window_parses(cls, value: str) -> str:
        parse_window(value)
        return value

    def resolved_kind(self) -> RuleKind:
        if self.kind:
            return self.kind
        if self.id in ("frequent-complainant", "frequent-point", "spike"):
            return self.id  # type: ignore[return-value]
        return "count"

    @property
    def window_delta(self) -> timedelta:
        return parse_window(self.window)


DEFAULT_RULES: list[dict] = [
    {"id": "same-point-day", "window": "24h", "min_posts": 3, "min_authors": 1,
     "scope": "point+category", "action": "warning"},
    {"id": "multi-author-2d", "window": "48h", "min_posts": 5, "min_authors": 2,
     "scope": "point+category", "action": "escalate"},
    {"id": "frequent-complainant", "window": "30d", "min_posts": 5, "action": "ledger"},
    {"id": "frequent-point", "window": "30d", "min_cases": 3, "action": "ledger"},
    {"id": "spike", "window": "24h", "baseline_days": 14, "sigma": 3.0, "action": "spike"},
]


class SlaConfig(BaseModel):
    """Deadlines per step, from field practice; override per level-1 category or priority."""

    model_config = ConfigDict(extra="forbid")

    respond: str = "1m"   # new → dispatched
    on_site: str = "10m"  # dispatched → in_progress
    resolve: str = "30m"  # in_progress → resolved (simple disputes)
    by_category: dict[str, dict[str, str]] = Field(default_factory=dict)
    by_priority: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("respond", "on_site", "resolve")
    @classmethod
    def _step_parses(cls, value: str) -> str:
        parse_window(value)
        return value

    @field_validator("by_category", "by_priority")
    @classmethod
    def _overrides_parse(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for name, steps in value.items():
            for step, duration in steps.items():
                if step not in ("respond", "on_site", "resolve"):
                    raise ValueError(f"{name}: unknown SLA step {step!r} (respond, on_site, resolve)")
                parse_window(duration)
        return value


class MatchConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    radius_m: float = Field(default=150.0, ge=0)
    category_level: Literal[1, 2, 3] = 2
    # Weighted overlap of segmented words (and their character bigrams) a post needs
    # with a case's founding or recent evidence to join it.
    min_similarity: float = Field(default=0.25, ge=0, le=1)
    open_window_days: int = Field(default=7, ge=1)
    reopen_days: int = Field(default=14, ge=0)
    backfill_push_max_age: str = "6h"
    # An author's post this alike to one of their counted posts is a repost: evidence,
    # but it does not count toward the rules.
    near_duplicate_similarity: float = Field(default=0.85, gt=0, le=1)
    # Places this coarse are not a point: such complaints wait in the needs-location queue.
    coarse_place_types: list[str] = Field(default_factory=lambda: ["city", "district"])
    timezone: str = "Asia/Shanghai"  # case-id dates, spike days, KPI buckets

    @field_validator("backfill_push_max_age")
    @classmethod
    def _age_parses(cls, value: str) -> str:
        parse_window(value)
        return value


class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str
    secret: str = ""
    types: list[str] | None = None  # None: every alert type
    max_age_h: int = Field(default=24, ge=1)  # give up (dead letter) after this long
