"""Thresholds of the source-health rules (the config's ``health:`` section).

Defaults suit a source crawled every few minutes to an hour; every number can be
tuned per deployment without code. Durations are seconds.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class HealthConfig(BaseModel):
    """When a source counts as silent, failing, drifted, under-covered or walled off."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    sweep_interval_s: float = Field(default=300.0, ge=1.0)  # periodic check in the service
    history_runs: int = Field(default=30, ge=3)  # finished runs each check looks back over
    realert_s: float = Field(default=86_400.0, ge=60.0)  # a still-open problem is raised again after this

    # silence: no new posts for longer than the usual gap × k (never less than the floor).
    silence_k: float = Field(default=3.0, gt=1.0)
    silence_min_s: float = Field(default=3_600.0, ge=0.0)
    silence_min_yielding_runs: int = Field(default=3, ge=2)  # "normally yields posts": at least this many
    silence_lookback_s: float = Field(default=14 * 86_400.0, gt=0.0)

    # failures: this many finished runs in a row failed, timed out or were interrupted.
    failures_n: int = Field(default=3, ge=1)

    # template drift: pages came back but nothing was extracted and the parser complained,
    # or the parse-error share of a run rose this much above the source's usual share.
    # One run alone raises it only with this many parse errors; otherwise ``drift_runs`` runs
    # in a row must show it, so a single truncated page is not mistaken for a new template.
    drift_min_pages: int = Field(default=1, ge=1)
    drift_min_errors: int = Field(default=3, ge=1)
    drift_runs: int = Field(default=2, ge=1)
    drift_error_share_jump: float = Field(default=0.3, gt=0.0, le=1.0)
    parse_error_stats: list[str] = Field(default_factory=lambda: [
        "errors/parse", "errors/douyin_invalid_comment", "douyin/api_errors/invalid_json",
        "douyin/api_errors/status_code"])

    # coverage drop: fetched share of the platform's reported comment totals.
    coverage_min_ratio: float = Field(default=0.8, gt=0.0, le=1.0)
    coverage_min_total: int = Field(default=20, ge=1)  # too few comments reported to judge

    # login / anti-bot walls: a storm of 403/429 answers, or any captcha or login page.
    wall_min_blocked: int = Field(default=5, ge=1)
    wall_blocked_share: float = Field(default=0.3, gt=0.0, le=1.0)
    wall_pages: int = Field(default=1, ge=1)  # captcha/login pages in one run that raise the alert
