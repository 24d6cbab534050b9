"""A batch placed at once ends where the same posts placed one by one end, with a
handful of indexed statements and no scan of a large table."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from cases.config import MatchConfig, RuleConfig, SlaConfig
from cases.lifecycle import transition
from index.models import Alert, Case, CasePost, PlaceQuery
from tests.cases.conftest import COMPOUND, CROSSING, NOISE, NOW, SANITATION, PostFactory

NEAR = {**CROSSING, "id": "jx-nh-poi-77", "name": "双溪路公交站", "type": "poi", "lat": 30.7465, "lon": 120.7557}
DISTRICT = {"id": "jx-nh", "name": "南湖区", "type": "district", "district": "南湖区"}
GLASS = ["南溪路与双溪路交叉口满地玻璃碴，电动车骑过去很危险", "双溪路口一地玻璃碴，我的电瓶车轮胎被扎破了",
         "交叉口的玻璃碴还没人清理吗？骑车太危险了", "玻璃碴还在，今天又扎了一个胎"]
TRASH = ["梅湾小区垃圾桶满了三天没人清运", "梅湾小区垃圾没人清运，臭气熏天", "小区垃圾堆成山了，清运车一直不来",
         "垃圾清运太不及时了，苍蝇到处飞", "今天垃圾还是没人清运，味道太大"]


def _resolved_noise_case(session, make, engine) -> str:
    """A noise complaint resolved two days ago: a new one at the crossing reopens it."""
    pair = make(session, "南溪路与双溪路交叉口夜里施工太吵，根本睡不着", at=NOW - timedelta(days=3), author="old",
                category=NOISE)
    case_id = engine.process(session, [pair], now=NOW - timedelta(days=3)).opened[0]
    for action in ("dispatch", "accept", "resolve"):
        transition(session, case_id, action, actor="op", now=NOW - timedelta(days=2), sla=SlaConfig())
    return case_id


def _scenario(session, make) -> list:
    """Joins, a repost, a radius join, a reopen, the queue, chatter and a hotline order."""
    hour = timedelta(hours=1)
    pairs = [make(session, GLASS[i], at=NOW - (9 - i) * hour, author=f"g{i}") for i in range(3)]
    pairs.append(make(session, GLASS[0] + "！！", at=NOW - 5 * hour, author="g0"))  # g0 repeats itself
    pairs.append(make(session, GLASS[3], at=NOW - 4 * hour, author="bus", place=NEAR))  # 50 m away
    pairs += [make(session, text, at=NOW - (8 - i) * hour, author="ab"[i % 2], place=COMPOUND, category=SANITATION)
              for i, text in enumerate(TRASH)]
    pairs.append(make(session, "南溪路与双溪路交叉口半夜施工又开始了，吵得睡不着", at=NOW - 2 * hour, author="z",
                      category=NOISE))
    pairs.append(make(session, "南湖区到处是玻璃碴", at=NOW - hour, author="c", place=DISTRICT))
    pairs.append(make(session, "今天天气不错", at=NOW - hour, author="d", complaint=False))
    pairs.append(make(session, "来电反映南溪路与双溪路交叉口有大量玻璃碴", at=NOW, author=None, source="hotline",
                      source_kind="hotline", kind="order"))
    return pairs


def _outcome(session) -> tuple:
    cases = {c.id: (c.title, c.status, c.priority, c.post_count, c.counted_posts, c.author_count, c.source_count,
                    c.hotline_linked_at is not None)
             for c in session.scalars(select(Case))}
    evidence = sorted((e.case_id, e.post_id, e.counted) for e in session.scalars(select(CasePost)))
    alerts = sorted((a.type, a.rule_id or "", a.case_id or "", (a.payload or {}).get("author_id") or "")
                    for a in session.scalars(select(Alert)))
    queued = sorted(q.post_id for q in session.scalars(select(PlaceQuery)))
    return cases, evidence, alerts, queued


def test_a_batch_ends_where_one_by_one_ends(new_store, engine_factory):
    results = []
    for mode in ("one-by-one", "batch"):
        store, make = new_store(), PostFactory()
        engine = engine_factory(rules=[*engine_factory().rules.rules,
                                       RuleConfig(id="frequent-complainant", window="30d", min_posts=3,
                                                  action="ledger")])
        try:
            with store.session() as session:
                reopened = _resolved_noise_case(session, make, engine)
                pairs = _scenario(session, make)
                if mode == "batch":
                    report = engine.process(session, pairs, now=NOW)
                    assert report.reopened == [reopened] and report.duplicates and report.queued
                    assert report.hotline_linked and len(report.opened) == 2 and not report.joined
                else:
                    for pair in sorted(pairs, key=lambda p: (p[0].published_at, p[0].id)):
                        engine.process(session, [pair], now=NOW)
            with store.session() as session:
                results.append(_outcome(session))
        finally:
            store.close()
    assert results[0] == results[1]
    cases, evidence, alerts, queued = results[1]
    assert len(cases) == 3 and len(queued) == 1  # glass (with the radius join), trash, reopened noise
    assert sum(1 for _, _, counted in evidence if not counted) == 1  # g0's repost
    assert {a[0] for a in alerts} >= {"new_case", "warning", "escalation", "reopened", "ledger"}


def test_a_batch_joins_a_case_it_opened(store, make_post, engine_factory):
    with store.session() as session:
        pairs = [make_post(session, text, at=NOW - timedelta(hours=3 - i), author=f"a{i}")
                 for i, text in enumerate(GLASS[:3])]
        report = engine_factory().process(session, pairs, now=NOW)
        assert len(report.opened) == 1 and not report.joined
        case = session.get(Case, report.opened[0])
        assert (case.post_count, case.author_count) == (3, 3)
        kinds = [a.type for a in session.scalars(select(Alert).order_by(Alert.id))]
        assert kinds == ["new_case", "warning"] and len(report.alerts) == 2


def test_comment_without_title_is_named_by_its_problem_words(store, make_post, engine_factory):
    with store.session() as session:
        pair = make_post(session, "南溪路与双溪路交叉口满地玻璃碴到底有没有人管啊，天天扎胎", at=NOW,
                         kind="comment", source="video-1", source_kind="douyin")
        case = session.get(Case, engine_factory().process(session, [pair], now=NOW).opened[0])
        assert case.title == "南溪路与双溪路交叉口 · 满地玻璃碴"


BIG_TABLES = ("posts", "post_tags", "cases", "case_posts", "alerts", "case_events", "deliveries")


def test_no_statement_scans_a_large_table(store, engine_factory):
    """Every read the engine makes starts from an index: cost follows the window, not history."""
    make, plans = PostFactory(), []
    engine = engine_factory(rules=[*engine_factory().rules.rules,
                                   RuleConfig(id="district", window="24h", scope="category+district")])

    def explain(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            raw = conn.connection.dbapi_connection.cursor()
            plans.append((statement, [row[-1] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, params)]))

    with store.session() as session:
        _resolved_noise_case(session, make, engine)
        pairs = _scenario(session, make)
        event.listen(store.engine, "before_cursor_execute", explain)
        try:
            engine.process(session, pairs, now=NOW)
        finally:
            event.remove(store.engine, "before_cursor_execute", explain)
    assert len(plans) >= 10
    for statement, plan in plans:
        scans = [step for step in plan if step.startswith("SCAN ") and step.split()[1] in BIG_TABLES]
        assert not scans, f"{scans} in {statement[:200]}"


def test_spike_fires_once_a_day_through_the_engine(store, make_post, engine_factory):
    rules = [RuleConfig(id="spike", baseline_days=7, sigma=3.0, min_count=3, action="spike")]
    engine = engine_factory(rules=rules)
    with store.session() as session:
        for day in range(1, 8):  # one complaint a day before today
            make_post(session, f"小区垃圾第{day}天", at=NOW - timedelta(days=day), place=COMPOUND, category=SANITATION)
        def burst(first: int, last: int) -> list:
            return [make_post(session, f"梅湾小区垃圾又没人清运了{i}", at=NOW - timedelta(minutes=30 - i),
                              author=f"s{i}", place=COMPOUND, category=SANITATION) for i in range(first, last)]
        engine.process(session, burst(0, 2), now=NOW)
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.type == "spike")) == 0
        engine.process(session, burst(2, 6), now=NOW)  # counted on top of the cached day
        spikes = list(session.scalars(select(Alert).where(Alert.type == "spike")))
        assert len(spikes) == 1 and spikes[0].payload["count"] == 6 and spikes[0].payload["district"] == "南湖区"
        more = make_post(session, "梅湾小区垃圾还是没人管", at=NOW, author="s9", place=COMPOUND, category=SANITATION)
        engine.process(session, [more], now=NOW)
        assert session.scalar(select(func.count()).select_from(Alert).where(Alert.type == "spike")) == 1


@pytest.mark.parametrize("radius", [0.0, 150.0])
def test_radius_setting_decides_the_nearby_join_in_a_batch(store, make_post, engine_factory, radius):
    with store.session() as session:
        pairs = [make_post(session, GLASS[0], at=NOW - timedelta(hours=1), author="a"),
                 make_post(session, GLASS[1], at=NOW, author="b", place=NEAR)]
        report = engine_factory(match=MatchConfig(radius_m=radius)).process(session, pairs, now=NOW)
        assert len(report.opened) == (1 if radius else 2)
