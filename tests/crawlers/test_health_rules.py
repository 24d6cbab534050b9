"""The source-health rules as pure functions: runs in, findings out, ``now`` passed in."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawlers.health_config import HealthConfig
from crawlers.health_rules import (RunRecord, alert_key, check_access_wall, check_coverage, check_failures,
                                   check_silence, check_template_drift, evaluate)

T0 = datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)
CONFIG = HealthConfig(silence_min_s=600)


def run(n: int, status: str = "ok", *, minutes: float | None = None, **fields) -> RunRecord:
    """Run ``n`` started ``minutes`` after T0 (10 minutes apart by default)."""
    start = T0 + timedelta(minutes=10 * n if minutes is None else minutes)
    return RunRecord(id=n, status=status, started_at=start, finished_at=start + timedelta(minutes=1), **fields)


def history(statuses_and_posts: list[tuple[str, int]]) -> list[RunRecord]:
    """Runs 1..N with (status, new posts), newest first as the store gives them."""
    runs = [run(i, status, pages=5, items=posts, new_posts=posts)
            for i, (status, posts) in enumerate(statuses_and_posts, start=1)]
    return list(reversed(runs))


def yielding(runs: list[RunRecord]) -> list[RunRecord]:
    return [r for r in runs if r.new_posts > 0]


def test_silence_after_k_usual_gaps_with_runs_that_looked() -> None:
    runs = history([("ok", 4)] * 5 + [("ok", 0)] * 6)  # yields every 10 min, then an hour of nothing
    last_yield = T0 + timedelta(minutes=50)
    assert check_silence("论坛", runs, yielding(runs), CONFIG, last_yield + timedelta(minutes=25)) is None
    found = check_silence("论坛", runs, yielding(runs), CONFIG, last_yield + timedelta(minutes=61))
    assert found is not None and found.rule == "silence" and found.episode == "r5"
    assert found.detail["usual_gap_s"] == 600 and found.detail["runs_since"] == 6
    assert "静默" in found.title and "论坛" in found.title


def test_silence_needs_a_source_that_normally_yields_and_a_look_since() -> None:
    sparse = history([("ok", 3), ("ok", 0), ("ok", 2)])
    assert check_silence("x", sparse, yielding(sparse), CONFIG, T0 + timedelta(days=2)) is None
    runs = history([("ok", 4)] * 5)  # the last run yielded: nobody has looked since
    assert check_silence("x", runs, yielding(runs), CONFIG, T0 + timedelta(days=2)) is None
    failing = history([("ok", 4)] * 5 + [("failed", 0)] * 3)  # failures are the failures rule's business
    assert check_silence("x", failing, yielding(failing), CONFIG, T0 + timedelta(days=2)) is None


def test_silence_never_fires_below_the_floor() -> None:
    runs = history([("ok", 4)] * 5 + [("ok", 0)] * 2)
    floor = HealthConfig(silence_min_s=7200)
    assert check_silence("x", runs, yielding(runs), floor, T0 + timedelta(minutes=50 + 100)) is None
    assert check_silence("x", runs, yielding(runs), floor, T0 + timedelta(minutes=50 + 121)) is not None


def test_consecutive_failures_skip_interrupted_and_skipped_runs() -> None:
    runs = history([("ok", 1), ("failed", 0), ("interrupted", 0), ("timeout", 0), ("skipped", 0), ("failed", 0)])
    found = check_failures("x", runs, CONFIG)
    assert found is not None and found.detail["consecutive"] == 3 and found.episode == "r2"
    assert found.level == "critical"
    recovered = history([("failed", 0)] * 3 + [("ok", 1)])
    assert check_failures("x", recovered, CONFIG) is None
    assert check_failures("x", history([("failed", 0)] * 2), CONFIG) is None


def _drift_run(n: int, pages: int, items: int, parse: int) -> RunRecord:
    return run(n, "partial" if items else "failed", pages=pages, items=items, errors=parse,
               stats={"errors/parse": parse})


def test_template_drift_pages_but_nothing_extracted() -> None:
    healthy = [_drift_run(i, 20, 30, 0) for i in range(1, 5)]
    one = [_drift_run(5, 3, 0, 2)] + list(reversed(healthy))
    assert check_template_drift("x", one, CONFIG) is None  # one run, two errors: could be a bad page
    two = [_drift_run(6, 3, 0, 2)] + one
    found = check_template_drift("x", two, CONFIG)
    assert found is not None and found.episode == "r5" and found.detail["runs"] == 2
    loud = [_drift_run(5, 6, 0, 5)] + list(reversed(healthy))
    assert check_template_drift("x", loud, CONFIG) is not None  # many parse errors: at once


def test_template_drift_share_jump_against_the_usual_share() -> None:
    usual = [_drift_run(i, 20, 30, 2) for i in range(1, 6)]  # 10 % parse errors is this board's normal
    jumped = [_drift_run(6, 20, 10, 10)] + list(reversed(usual))
    assert check_template_drift("x", jumped, CONFIG) is not None
    normal = [_drift_run(6, 20, 25, 3)] + list(reversed(usual))
    assert check_template_drift("x", normal, CONFIG) is None
    nothing_fetched = [run(6, "failed", pages=0, stats={})] + list(reversed(usual))
    assert check_template_drift("x", nothing_fetched, CONFIG) is None


def test_coverage_drop() -> None:
    def cov(n: int, held: int, total: int) -> RunRecord:
        return run(n, pages=4, stats={"douyin/covered": held, "douyin/total_reported": total})
    assert check_coverage("x", [cov(2, 95, 100), cov(1, 90, 100)], CONFIG) is None
    found = check_coverage("x", [cov(2, 40, 100), cov(1, 90, 100)], CONFIG)
    assert found is not None and found.detail["ratio"] == 0.4 and found.episode == "r2"
    assert check_coverage("x", [cov(2, 3, 10)], CONFIG) is None  # too few comments to judge
    legacy = run(3, stats={"minsheng/coverage": {"fetched": 10, "total": 100}})
    assert check_coverage("x", [legacy], CONFIG) is not None


def test_access_walls_storms_captcha_and_login() -> None:
    storm = run(1, pages=20, stats={"downloader/response_count": 30, "downloader/response_status_count/429": 12})
    assert check_access_wall("x", [storm], CONFIG).detail["blocked"] == 12
    a_few = run(1, pages=200, stats={"downloader/response_count": 210, "downloader/response_status_count/429": 10})
    assert check_access_wall("x", [a_few], CONFIG) is None  # 5 % throttled is ordinary politeness
    browser = run(1, stats={"douyin/pages": 4, "douyin/api_errors/429": 9})
    assert check_access_wall("x", [browser], CONFIG) is not None
    captcha = run(2, stats={"walls/captcha": 1, "walls/last_url": "http://x/verify"})
    found = check_access_wall("x", [captcha], CONFIG)
    assert found is not None and "验证码" in found.title and found.detail["url"] == "http://x/verify"
    assert check_access_wall("x", [run(3, stats={"walls/login": 2})], CONFIG) is not None


def test_evaluate_and_idempotent_keys() -> None:
    runs = history([("ok", 4)] * 5 + [("failed", 0)] * 3)
    found = evaluate("x", runs, yielding(runs), CONFIG, T0 + timedelta(hours=3))
    assert [f.rule for f in found] == ["failures"]
    assert evaluate("x", runs, yielding(runs), HealthConfig(enabled=False), T0) == []
    finding = found[0]
    now = finding.since + timedelta(hours=2)
    key = alert_key("forum", finding, now, 86_400)
    assert key == alert_key("forum", finding, now + timedelta(hours=5), 86_400)  # same episode, same day
    assert key != alert_key("forum", finding, now + timedelta(days=1), 86_400)  # still broken a day later
    assert key.startswith("source_health:forum:failures:r6:")
