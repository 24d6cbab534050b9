"""Matching posts into cases and the early-warning rules, end to end on SQLite."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from cases.config import MatchConfig, SlaConfig, WebhookConfig
from cases.lifecycle import transition
from index.models import Alert, Case, CaseEvent, CasePost, Delivery, PlaceQuery
from tests.cases.conftest import COMPOUND, CROSSING, NOISE, NOW, SANITATION

GLASS = ["南溪路与双溪路交叉口满地玻璃碴，电动车骑过去很危险",
         "双溪路口一地玻璃碴，我的电瓶车轮胎被扎破了",
         "交叉口的玻璃碴还没人清理吗？骑车太危险了"]


def alerts(session, type_=None):
    query = select(Alert).order_by(Alert.id)
    if type_:
        query = query.where(Alert.type == type_)
    return list(session.scalars(query))


def test_three_glass_posts_make_one_case_with_one_warning(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        for i, text in enumerate(GLASS):
            pair = make_post(session, text, at=NOW - timedelta(hours=5 - i), author=f"a{i}",
                             title="路口满地玻璃碴" if i == 0 else "")
            engine.process(session, [pair], now=NOW)
    with store.session() as session:
        cases = list(session.scalars(select(Case)))
        assert len(cases) == 1
        case = cases[0]
        assert case.id.startswith("MS-20240520-") and case.id.endswith("0001")
        assert case.title == "南溪路与双溪路交叉口 · 路口满地玻璃碴"
        assert (case.post_count, case.counted_posts, case.author_count) == (3, 3, 3)
        assert len(case.evidence) == 3 and {e.text for e in case.evidence} == set(GLASS)
        warnings = alerts(session, "warning")
        assert len(warnings) == 1 and warnings[0].case_id == case.id and warnings[0].rule_id == "same-point-day"
        assert len(alerts(session, "new_case")) == 1
        assert not alerts(session, "escalation")
        assert {e.action for e in case.events} >= {"created", "post_added", "warning"}


def test_title_names_place_and_problem(store, make_post, engine_factory):
    with store.session() as session:
        pair = make_post(session, GLASS[0], at=NOW, title="【紧急】南溪路与双溪路交叉口满地玻璃碴")
        report = engine_factory().process(session, [pair], now=NOW)
        case = session.get(Case, report.opened[0])
        assert case.title == "南溪路与双溪路交叉口 · 满地玻璃碴"


def test_five_posts_two_authors_two_days_escalate(store, make_post, engine_factory):
    texts = ["梅湾小区垃圾桶满了三天没人清运", "梅湾小区垃圾没人清运，臭气熏天", "小区垃圾堆成山了，清运车一直不来",
             "垃圾清运太不及时了，苍蝇到处飞", "今天垃圾还是没人清运，味道太大"]
    engine = engine_factory()
    with store.session() as session:
        for i, text in enumerate(texts):
            pair = make_post(session, text, at=NOW - timedelta(hours=40 - 9 * i), author="a" if i % 2 else "b",
                             place=COMPOUND, category=SANITATION)
            engine.process(session, [pair], now=NOW)
    with store.session() as session:
        case = session.scalars(select(Case)).one()
        assert case.counted_posts == 5 and case.author_count == 2
        escalations = alerts(session, "escalation")
        assert len(escalations) == 1 and escalations[0].rule_id == "multi-author-2d"
        assert escalations[0].payload["channel"] == "supervisor"
        assert case.priority == "high"  # normal → high (提级)


def test_same_place_different_problem_is_a_separate_case(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        first = engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(hours=2))], now=NOW)
        # Same category (市政设施), different problem.
        lamp = engine.process(session, [make_post(session, "南溪路与双溪路交叉口的路灯坏了好几天，晚上一片漆黑",
                                                  at=NOW - timedelta(hours=1), author="b")], now=NOW)
        # Different category altogether.
        noise = engine.process(session, [make_post(session, "南溪路与双溪路交叉口夜里施工太吵，根本睡不着",
                                                   at=NOW, author="c", category=NOISE)], now=NOW)
        assert len({*first.opened, *lamp.opened, *noise.opened}) == 3
        assert session.scalar(select(func.count()).select_from(Case)) == 3


def test_repost_by_one_author_does_not_count_twice(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(hours=3), author="a",
                                           source="video-1", source_kind="douyin", kind="comment")], now=NOW)
        # The same comment under another watched video, by the same author.
        repost = make_post(session, GLASS[0] + "！", at=NOW - timedelta(hours=2), author="a", source="video-2",
                           source_kind="douyin", kind="comment")
        report = engine.process(session, [repost], now=NOW)
        assert report.duplicates == [repost[0].id]
        engine.process(session, [make_post(session, GLASS[1], at=NOW - timedelta(hours=1), author="b")], now=NOW)
        case = session.scalars(select(Case)).one()
        assert (case.post_count, case.counted_posts) == (3, 2)
        assert session.get(CasePost, (case.id, repost[0].id)).counted is False
        assert not alerts(session, "warning")  # only 2 counted posts


def test_edited_post_is_not_counted_again(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        pairs = [make_post(session, text, at=NOW - timedelta(hours=3 - i), author=f"a{i}") for i, text in
                 enumerate(GLASS[:2])]
        engine.process(session, pairs, now=NOW)
        post, tag = pairs[1]
        post.text = GLASS[1] + "（已编辑）"
        report = engine.process(session, [pairs[1]], now=NOW + timedelta(minutes=5))
        assert report.already_attached == [post.id]
        case = session.scalars(select(Case)).one()
        assert case.post_count == 2 and not alerts(session, "warning")


def test_warning_fires_once_per_window(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        for i in range(5):
            engine.process(session, [make_post(session, GLASS[i % 3] + f" 第{i}次", at=NOW - timedelta(hours=10 - i),
                                               author=f"a{i}")], now=NOW)
        assert len(alerts(session, "warning")) == 1
        later = NOW + timedelta(days=2)
        for i in range(3):
            engine.process(session, [make_post(session, GLASS[i], at=later - timedelta(hours=3 - i),
                                               author=f"b{i}")], now=later)
        assert len(alerts(session, "warning")) == 2


def test_resolved_case_reopens_on_new_complaint(store, make_post, engine_factory):
    engine, sla = engine_factory(), SlaConfig()
    with store.session() as session:
        report = engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(days=3))], now=NOW - timedelta(days=3))
        case_id = report.opened[0]
        for action in ("dispatch", "accept", "resolve"):
            transition(session, case_id, action, actor="op", now=NOW - timedelta(days=2), sla=sla)
        again = engine.process(session, [make_post(session, GLASS[1], at=NOW, author="z")], now=NOW)
        assert again.reopened == [case_id] and not again.opened
        case = session.get(Case, case_id)
        assert case.status == "reopened" and case.resolved_at is None and case.due_at is not None
        reopened = alerts(session, "reopened")
        assert len(reopened) == 1 and reopened[0].case_id == case_id


def test_resolved_long_ago_opens_a_new_case(store, make_post, engine_factory):
    engine = engine_factory(match=MatchConfig(reopen_days=3))
    with store.session() as session:
        report = engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(days=10))],
                                now=NOW - timedelta(days=10))
        for action in ("dispatch", "accept", "resolve"):
            transition(session, report.opened[0], action, actor="op", now=NOW - timedelta(days=9), sla=SlaConfig())
        again = engine.process(session, [make_post(session, GLASS[1], at=NOW, author="z")], now=NOW)
        assert again.opened and not again.reopened


def test_complaint_without_place_goes_to_queue(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        nowhere = make_post(session, "路口全是玻璃碴", at=NOW, place=None, district="南湖区")
        coarse = make_post(session, "南湖区到处是玻璃碴", at=NOW, author="b",
                           place={"id": "jx-nh", "name": "南湖区", "type": "district", "district": "南湖区"})
        chatter = make_post(session, "今天天气不错", at=NOW, author="c", complaint=False)
        report = engine.process(session, [nowhere, coarse, chatter], now=NOW)
        assert sorted(report.queued) == sorted([nowhere[0].id, coarse[0].id]) and not report.opened
        engine.process(session, [nowhere], now=NOW)  # re-run: queued once
        assert session.scalar(select(func.count()).select_from(PlaceQuery)) == 2


def test_backfilled_alerts_are_recorded_not_pushed(store, make_post, engine_factory):
    hook = WebhookConfig(url="http://127.0.0.1:9/hook", secret="x")
    engine = engine_factory(webhooks=[hook])
    last_week = NOW - timedelta(days=7)
    with store.session() as session:
        pairs = [make_post(session, text, at=last_week + timedelta(hours=i), author=f"a{i}")
                 for i, text in enumerate(GLASS)]
        engine.process(session, pairs, now=NOW)
        found = alerts(session)
        assert {a.type for a in found} == {"new_case", "warning"}
        assert all(a.backfilled and not a.push for a in found)
        assert all(a.event_time < NOW - timedelta(days=6) for a in found)
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        fresh = make_post(session, "南溪路与双溪路交叉口井盖松动，车开过去哐当响", at=NOW - timedelta(minutes=5), author="q")
        engine.process(session, [fresh], now=NOW)
        assert session.scalar(select(func.count()).select_from(Delivery)) == 1


def test_hotline_order_links_to_proactive_case(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        report = engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(hours=2))], now=NOW - timedelta(hours=2))
        order = make_post(session, "来电反映南溪路与双溪路交叉口有大量玻璃碴，存在安全隐患", at=NOW, author=None,
                          source="hotline", source_kind="hotline", kind="order")
        linked = engine.process(session, [order], now=NOW)
        assert linked.hotline_linked == report.opened
        case = session.get(Case, report.opened[0])
        assert case.flags["proactive"] and case.flags["proactive_label"] == "已主动发现"
        assert case.hotline_linked_at == NOW and case.source_count == 2


def test_nearby_coordinates_join_across_gazetteer_entries(store, make_post, engine_factory):
    near = {**CROSSING, "id": "jx-nh-poi-77", "name": "双溪路公交站", "type": "poi", "lat": 30.7465, "lon": 120.7557}
    far = {**near, "id": "jx-nh-poi-78", "name": "远处公交站", "lat": 30.7600}
    engine = engine_factory()
    with store.session() as session:
        first = engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(hours=2))], now=NOW)
        joined = engine.process(session, [make_post(session, GLASS[1], at=NOW - timedelta(hours=1), author="b",
                                                    place=near)], now=NOW)
        other = engine.process(session, [make_post(session, GLASS[2], at=NOW, author="c", place=far)], now=NOW)
        assert joined.joined == first.opened and other.opened
        no_radius = engine_factory(match=MatchConfig(radius_m=0))
        alone = no_radius.process(session, [make_post(session, GLASS[1], at=NOW, author="d", place=near)], now=NOW)
        assert alone.opened and not alone.joined


def test_case_ids_number_per_local_day(store, make_post, engine_factory):
    engine = engine_factory()
    places = [{**COMPOUND, "id": f"p{i}", "name": f"小区{i}", "lat": None, "lon": None} for i in range(3)]
    with store.session() as session:
        ids = [engine.process(session, [make_post(session, GLASS[0], at=NOW, author=f"x{i}", place=p)],
                              now=NOW).opened[0] for i, p in enumerate(places[:2])]
        # 16:30 UTC is 00:30 the next day in Asia/Shanghai.
        late = NOW.replace(hour=16, minute=30)
        ids.append(engine.process(session, [make_post(session, GLASS[0], at=late, author="y", place=places[2])],
                                  now=late).opened[0])
    assert ids == ["MS-20240520-0001", "MS-20240520-0002", "MS-20240521-0001"]


def test_events_record_the_history(store, make_post, engine_factory):
    with store.session() as session:
        report = engine_factory().process(session, [make_post(session, GLASS[0], at=NOW)], now=NOW)
        actions = list(session.scalars(select(CaseEvent.action).where(CaseEvent.case_id == report.opened[0])))
        assert actions == ["created", "post_added"]


def test_same_author_on_another_platform_is_not_a_repost(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        engine.process(session, [make_post(session, GLASS[0], at=NOW - timedelta(hours=3), author="7")], now=NOW)
        other = make_post(session, GLASS[0], at=NOW - timedelta(hours=2), author="7", source="video-1",
                          source_kind="douyin", kind="comment")
        assert engine.process(session, [other], now=NOW).duplicates == []


def test_the_log_traces_a_post_to_its_case(store, make_post, engine_factory, caplog):
    engine = engine_factory()
    with caplog.at_level(logging.DEBUG, logger="cases.engine"), store.session() as session:
        first = make_post(session, GLASS[0], at=NOW - timedelta(hours=2), author="a0")
        second = make_post(session, GLASS[1], at=NOW - timedelta(hours=1), author="a1")
        engine.process(session, [first, second], now=NOW)
    events = [(r.getMessage().split()[2], r.post_id, r.case_id) for r in caplog.records if hasattr(r, "case_id")]
    case_id = events[0][2]
    assert events == [("opened", first[0].id, case_id), ("joined", second[0].id, case_id)]
