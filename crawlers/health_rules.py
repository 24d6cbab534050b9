"""Source-health rules: pure functions of a source's run history, thresholds and ``now``.

Each rule looks at the finished runs of one source (newest first) and returns a
``Finding`` or None. A finding names the *episode* it belongs to (the first run of
the streak, or the last run that yielded posts), so the alert raised for it is
idempotent: the same problem raises one alert, a new problem another.
"""
from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawlers.health_config import HealthConfig

FAILED = ("failed", "timeout")
NEUTRAL = ("running", "skipped", "interrupted")  # say nothing about the source itself
RULES = ("silence", "failures", "template_drift", "coverage_drop", "access_wall")
RULE_NAMES = {"silence": "静默", "failures": "连续失败", "template_drift": "模板变化",
              "coverage_drop": "覆盖率下降", "access_wall": "登录或反爬拦截"}


@dataclass(frozen=True)
class RunRecord:
    """What the rules need of one crawl run."""

    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None = None
    pages: int = 0
    items: int = 0
    new_posts: int = 0
    errors: int = 0
    stats: Mapping[str, Any] = field(default_factory=dict)
    message: str | None = None


@dataclass(frozen=True)
class Finding:
    """One health problem of one source, in words staff read and numbers ops graph."""

    rule: str
    level: str  # warning | critical
    title: str
    since: datetime
    episode: str
    detail: dict[str, Any] = field(default_factory=dict)


def _stat(run: RunRecord, key: str) -> int:
    value = run.stats.get(key, 0)
    return int(value) if isinstance(value, (int, float)) else 0


def _duration(seconds: float) -> str:
    if seconds >= 86_400:
        return f"{seconds / 86_400:.1f} 天"
    if seconds >= 3_600:
        return f"{seconds / 3_600:.1f} 小时"
    if seconds >= 60:
        return f"{seconds / 60:.0f} 分钟"
    return f"{seconds:.0f} 秒"


def judged(runs: Sequence[RunRecord]) -> list[RunRecord]:
    """Runs that tell something about the source (newest first)."""
    return [run for run in runs if run.status not in NEUTRAL]


def check_silence(name: str, runs: Sequence[RunRecord], yielding: Sequence[RunRecord],
                  config: HealthConfig, now: datetime) -> Finding | None:
    """No new posts for longer than the usual gap between yielding runs × k.

    ``yielding`` are the source's latest runs that stored new posts (newest first),
    loaded apart from ``runs`` so a long silence does not push them out of view.
    """
    recent = [run for run in yielding if (now - run.started_at).total_seconds() <= config.silence_lookback_s]
    if len(recent) < config.silence_min_yielding_runs:
        return None  # not a source that normally yields posts: nothing to miss
    starts = sorted(run.started_at for run in recent)
    usual = statistics.median((b - a).total_seconds() for a, b in zip(starts, starts[1:]))
    last = recent[0]
    looked = [run for run in judged(runs) if run.started_at > last.started_at and run.status not in FAILED]
    if not looked:
        return None  # nobody has looked since (failures have their own rule)
    quiet = (now - last.started_at).total_seconds()
    limit = max(config.silence_min_s, config.silence_k * usual)
    if quiet <= limit:
        return None
    return Finding("silence", "warning",
                   f"数据源静默：{name} 已 {_duration(quiet)} 没有新帖（通常每 {_duration(usual)} 就有），"
                   f"其间采集 {len(looked)} 次",
                   since=last.started_at, episode=f"r{last.id}",
                   detail={"quiet_s": round(quiet), "usual_gap_s": round(usual), "limit_s": round(limit),
                           "runs_since": len(looked), "last_yield_run": last.id})


def check_failures(name: str, runs: Sequence[RunRecord], config: HealthConfig) -> Finding | None:
    """The latest ``failures_n`` judged runs all failed or timed out."""
    streak: list[RunRecord] = []
    for run in judged(runs):
        if run.status not in FAILED:
            break
        streak.append(run)
    if len(streak) < config.failures_n:
        return None
    first, latest = streak[-1], streak[0]
    reason = latest.message or latest.status
    return Finding("failures", "critical", f"采集连续失败：{name} 最近 {len(streak)} 次采集均失败（{reason}）",
                   since=first.started_at, episode=f"r{first.id}",
                   detail={"consecutive": len(streak), "statuses": [run.status for run in streak[:10]],
                           "last_message": latest.message})


def parse_errors(run: RunRecord, config: HealthConfig) -> int:
    return sum(_stat(run, key) for key in config.parse_error_stats)


def _drifted(run: RunRecord, baseline: float, config: HealthConfig) -> bool:
    if run.pages < config.drift_min_pages:
        return False  # nothing came back: a network or wall problem, not the template
    errors = parse_errors(run, config)
    if run.items == 0 and errors > 0:
        return True
    return errors / run.pages - baseline >= config.drift_error_share_jump


def check_template_drift(name: str, runs: Sequence[RunRecord], config: HealthConfig) -> Finding | None:
    """Pages fetched but nothing extracted, or the parse-error share jumped above its usual level."""
    fetched = [run for run in judged(runs) if run.pages >= config.drift_min_pages]
    if not fetched:
        return None
    shares = [parse_errors(run, config) / run.pages for run in fetched]
    streak = 0
    while streak < len(fetched):
        # The usual share comes from the runs before the streak, so the drift itself does not raise it.
        baseline = statistics.median(shares[streak + 1:]) if len(shares) > streak + 1 else 0.0
        if not _drifted(fetched[streak], baseline, config):
            break
        streak += 1
    if streak == 0:
        return None
    first, latest = fetched[streak - 1], fetched[0]
    errors = parse_errors(latest, config)
    if streak < config.drift_runs and errors < config.drift_min_errors:
        return None
    return Finding("template_drift", "critical",
                   f"页面模板可能已变化：{name} 最近一次采集取回 {latest.pages} 页，提取 {latest.items} 条，"
                   f"解析错误 {errors} 个",
                   since=first.started_at, episode=f"r{first.id}",
                   detail={"pages": latest.pages, "items": latest.items, "parse_errors": errors,
                           "error_share": round(shares[0], 3), "runs": streak})


def coverage_of(run: RunRecord) -> tuple[int, int] | None:
    """(comments held, comments the platform reports) for a run that measured coverage."""
    total = _stat(run, "douyin/total_reported")
    if total <= 0:
        coverage = run.stats.get("minsheng/coverage")
        if isinstance(coverage, Mapping) and coverage.get("total"):
            return int(coverage.get("fetched") or 0), int(coverage["total"])
        return None
    return _stat(run, "douyin/covered"), total


def check_coverage(name: str, runs: Sequence[RunRecord], config: HealthConfig) -> Finding | None:
    """The fetched share of the platform's reported totals fell below the threshold."""
    measured = [(run, coverage_of(run)) for run in judged(runs)]
    measured = [(run, pair) for run, pair in measured if pair and pair[1] >= config.coverage_min_total]
    streak = 0
    while streak < len(measured) and measured[streak][1][0] / measured[streak][1][1] < config.coverage_min_ratio:
        streak += 1
    if streak == 0:
        return None
    held, total = measured[0][1]
    first = measured[streak - 1][0]
    return Finding("coverage_drop", "warning",
                   f"覆盖率下降：{name} 只取到平台显示评论数的 {held / total:.0%}（{held}/{total}，"
                   f"阈值 {config.coverage_min_ratio:.0%}）",
                   since=first.started_at, episode=f"r{first.id}",
                   detail={"held": held, "reported": total, "ratio": round(held / total, 4), "runs": streak})


def wall_signals(run: RunRecord) -> dict[str, int]:
    """Blocked answers (403/429), captcha and login pages, and all answers of one run."""
    downloaded = sum(_stat(run, f"downloader/response_status_count/{code}") for code in (403, 429))
    in_page = sum(_stat(run, f"douyin/api_errors/{code}") for code in (403, 429))
    # API mode counts a final 429 both ways; the browser's own requests only in douyin/…
    blocked = max(downloaded, in_page)
    answers = _stat(run, "downloader/response_count") + _stat(run, "douyin/pages")
    return {"blocked": blocked, "answers": max(answers, blocked),
            "captcha": _stat(run, "walls/captcha"), "login": _stat(run, "walls/login")}


def _walled(run: RunRecord, config: HealthConfig) -> bool:
    signals = wall_signals(run)
    if signals["captcha"] + signals["login"] >= config.wall_pages:
        return True
    return signals["blocked"] >= config.wall_min_blocked and \
        signals["blocked"] / signals["answers"] >= config.wall_blocked_share


def check_access_wall(name: str, runs: Sequence[RunRecord], config: HealthConfig) -> Finding | None:
    """403/429 storms, captcha pages or login pages in the latest runs."""
    recent = judged(runs)
    streak = 0
    while streak < len(recent) and _walled(recent[streak], config):
        streak += 1
    if streak == 0:
        return None
    latest, first = recent[0], recent[streak - 1]
    signals = wall_signals(latest)
    parts = []
    if signals["blocked"]:
        parts.append(f"{signals['blocked']}/{signals['answers']} 次请求被拒（403/429）")
    if signals["captcha"]:
        parts.append(f"{signals['captcha']} 个验证码页面")
    if signals["login"]:
        parts.append(f"{signals['login']} 个登录页面")
    wall_url = latest.stats.get("walls/last_url")
    return Finding("access_wall", "critical",
                   f"采集被拦截：{name} 最近一次采集 " + "，".join(parts) + "；请检查 Cookie、账号或采集频率",
                   since=first.started_at, episode=f"r{first.id}",
                   detail={**signals, "runs": streak, "url": wall_url if isinstance(wall_url, str) else None})


def evaluate(name: str, runs: Sequence[RunRecord], yielding: Sequence[RunRecord], config: HealthConfig,
             now: datetime) -> list[Finding]:
    """Every rule over one source's history; an empty list means healthy."""
    if not config.enabled:
        return []
    found = [check_silence(name, runs, yielding, config, now), check_failures(name, runs, config),
             check_template_drift(name, runs, config), check_coverage(name, runs, config),
             check_access_wall(name, runs, config)]
    return [finding for finding in found if finding is not None]


def alert_key(source_id: str, finding: Finding, now: datetime, realert_s: float) -> str:
    """Idempotent per source, rule and episode; a problem still open after ``realert_s`` is raised anew."""
    round_ = int(max((now - finding.since).total_seconds(), 0) // realert_s)
    return f"source_health:{source_id}:{finding.rule}:{finding.episode}:{round_}"
