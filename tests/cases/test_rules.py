"""Rules follow the config: pure verdicts, and non-default rule sets through the engine."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from cases.config import RuleConfig
from cases.rules import (WindowPost, already_fired, bump_priority, complainant_rule, count_rule, point_rule,
                         spike_rule)
from cases.simhash import fingerprint
from index.models import Alert, Case
from tests.cases.conftest import COMPOUND, CROSSING, NOW, SANITATION

T0 = datetime(2024, 3, 1, 12, tzinfo=timezone.utc)


def wp(i: int, hours: float, author: str = "a", counted: bool = True, **kw) -> WindowPost:
    return WindowPost(i, author, T0 + timedelta(hours=hours), counted, **kw)


def test_count_rule_honours_window_posts_and_authors():
    rule = RuleConfig(id="x", window="6h", min_posts=3, min_authors=2)
    posts = [wp(1, 0, "a"), wp(2, 2, "a"), wp(3, 5, "b")]
    assert count_rule(rule, posts, event_time=T0 + timedelta(hours=5)).fires
    # The first post falls out of a window ending at hour 6.5.
    assert not count_rule(rule, posts, event_time=T0 + timedelta(hours=6, minutes=30)).fires
    one_author = [wp(1, 0, "a"), wp(2, 1, "a"), wp(3, 2, "a")]
    assert not count_rule(rule, one_author, event_time=T0 + timedelta(hours=2)).fires
    reposts = [wp(1, 0, "a"), wp(2, 1, "a", counted=False), wp(3, 2, "b")]
    verdict = count_rule(rule, reposts, event_time=T0 + timedelta(hours=2))
    assert not verdict.fires and verdict.count == 2


def test_already_fired_is_symmetric_within_a_window():
    window = timedelta(hours=24)
    assert already_fired(T0, T0 + timedelta(hours=23), window)
    assert already_fired(T0 + timedelta(hours=23), T0, window)  # a backfill arriving later
    assert not already_fired(T0, T0 + timedelta(hours=25), window)
    assert not already_fired(None, T0, window)


def test_professional_claimant_pattern():
    rule = RuleConfig(id="frequent-complainant", window="30d", min_posts=4, min_targets=3)
    template = "购买的商品标签与实际不符，涉嫌虚假宣传，要求按照食品安全法十倍赔偿"
    sig = fingerprint(" ".join(template), template)
    claims = [wp(i, i * 24, signature=sig, place_id=f"shop{i}") for i in range(5)]
    verdict = complainant_rule(rule, claims, event_time=T0 + timedelta(days=5))
    assert verdict.fires and verdict.detail["professional"] and verdict.detail["targets"] == 5
    # Many posts about one pothole: frequent, not professional.
    local = [wp(i, i * 24, signature=sig, place_id="home") for i in range(5)]
    verdict = complainant_rule(rule, local, event_time=T0 + timedelta(days=5))
    assert verdict.fires and not verdict.detail["professional"]
    assert not complainant_rule(rule, claims[:3], event_time=T0 + timedelta(days=5)).fires


def test_point_rule_counts_cases_in_window():
    rule = RuleConfig(id="frequent-point", window="7d", min_cases=2)
    assert point_rule(rule, [T0, T0 + timedelta(days=3)], event_time=T0 + timedelta(days=3)).fires
    assert not point_rule(rule, [T0, T0 + timedelta(days=8)], event_time=T0 + timedelta(days=8)).fires


def test_spike_is_weekday_aware_and_floored():
    rule = RuleConfig(id="spike", baseline_days=14, sigma=3.0, min_count=3)
    monday = date(2024, 5, 20)
    # Busy weekdays (20/day), quiet weekends (2/day).
    history = {monday - timedelta(days=d): (2 if (monday - timedelta(days=d)).weekday() >= 5 else 20)
               for d in range(1, 15)}
    assert not spike_rule(rule, monday, 25, history).fires
    assert spike_rule(rule, monday, 60, history).fires
    sunday = date(2024, 5, 19)
    history_sun = {sunday - timedelta(days=d): (2 if (sunday - timedelta(days=d)).weekday() >= 5 else 20)
                   for d in range(1, 15)}
    assert spike_rule(rule, sunday, 15, history_sun).fires  # a normal weekday count is a weekend spike
    assert not spike_rule(rule, monday, 2, {}).fires  # below min_count
    assert not spike_rule(rule, monday, 3, {}).fires  # Poisson floor: 3 > 0 + 3·1 is false


def test_bump_priority_saturates():
    assert [bump_priority(p) for p in ("low", "normal", "high", "urgent")] == ["normal", "high", "urgent", "urgent"]


def test_custom_count_rule_through_the_engine(store, make_post, engine_factory):
    rules = [RuleConfig(id="two-neighbours-6h", window="6h", min_posts=2, min_authors=2, scope="case",
                        action="escalate")]
    engine = engine_factory(rules=rules)
    texts = ["梅湾小区垃圾没人清运，臭气熏天", "梅湾小区垃圾清运不及时，味道很大"]
    with store.session() as session:
        engine.process(session, [make_post(session, texts[0], at=NOW - timedelta(hours=9), author="a",
                                           place=COMPOUND, category=SANITATION)], now=NOW)
        engine.process(session, [make_post(session, texts[1], at=NOW - timedelta(hours=2), author="b",
                                           place=COMPOUND, category=SANITATION)], now=NOW)
        assert not list(session.scalars(select(Alert).where(Alert.type == "escalation")))  # 7h apart
        engine.process(session, [make_post(session, texts[0] + "，还是没人管", at=NOW, author="c",
                                           place=COMPOUND, category=SANITATION)], now=NOW)
        found = list(session.scalars(select(Alert).where(Alert.type == "escalation")))
        assert len(found) == 1 and found[0].rule_id == "two-neighbours-6h"
        assert session.scalars(select(Case)).one().priority == "high"


def test_disabled_and_stricter_rules(store, make_post, engine_factory):
    rules = [RuleConfig(id="same-point-day", window="24h", min_posts=3, min_authors=3, enabled=False),
             RuleConfig(id="strict", window="24h", min_posts=4, min_authors=1)]
    engine = engine_factory(rules=rules)
    glass = "南溪路与双溪路交叉口满地玻璃碴，太危险"
    with store.session() as session:
        for i in range(3):
            engine.process(session, [make_post(session, glass + "!" * i + f"第{i}次", at=NOW - timedelta(hours=3 - i),
                                               author=f"a{i}")], now=NOW)
        assert not list(session.scalars(select(Alert).where(Alert.type == "warning")))
        engine.process(session, [make_post(session, glass + "，又来看了", at=NOW, author="z")], now=NOW)
        found = list(session.scalars(select(Alert).where(Alert.type == "warning")))
        assert [a.rule_id for a in found] == ["strict"]


def test_frequent_point_and_complainant_ledger_alerts(store, make_post, engine_factory):
    rules = [RuleConfig(id="frequent-point", window="30d", min_cases=3, action="ledger"),
             RuleConfig(id="frequent-complainant", window="30d", min_posts=3, action="ledger")]
    engine = engine_factory(rules=rules)
    problems = ["路灯坏了一直不亮", "井盖松动哐当响", "斑马线褪色看不清", "护栏被撞歪了"]
    with store.session() as session:
        for i, text in enumerate(problems):
            engine.process(session, [make_post(session, f"南溪路与双溪路交叉口{text}", at=NOW - timedelta(days=4 - i),
                                               author="same")], now=NOW)
        ledger = list(session.scalars(select(Alert).where(Alert.type == "ledger").order_by(Alert.id)))
        assert sorted(a.rule_id for a in ledger) == ["frequent-complainant", "frequent-point"]
        point = next(a for a in ledger if a.rule_id == "frequent-point")
        assert point.payload["place_id"] == CROSSING["id"] and point.payload["cases"] == 3


@pytest.mark.parametrize("bad", [{"id": "x", "window": "tomorrow"}, {"id": "x", "min_posts": 0},
                                 {"id": "x", "scope": "galaxy"}, {"id": "x", "colour": "red"}])
def test_bad_rule_config_is_refused(bad):
    with pytest.raises(ValueError):
        RuleConfig(**bad)
