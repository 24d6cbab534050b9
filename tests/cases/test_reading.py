"""Ledgers, KPIs, the Open311 view and the needs-location queue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from cases.config import RuleConfig, SlaConfig
from cases.kpi import compute_kpis
from cases.ledgers import frequent_complainants, frequent_points, rule_of_kind
from cases.lifecycle import transition
from cases.open311 import case_to_open311, open311_requests
from cases.placequeue import open_queue, resolve_queued
from index.models import Case, PlaceAlias
from tests.cases.conftest import CROSSING, NOW


def test_ledgers(store, make_post, engine_factory):
    engine = engine_factory()
    claim = "购买的商品标签与实际不符，涉嫌虚假宣传，要求十倍赔偿"
    with store.session() as session:
        for i in range(5):
            shop = {**CROSSING, "id": f"shop{i}", "name": f"超市{i}", "type": "poi", "lat": None, "lon": None}
            engine.process(session, [make_post(session, claim, at=NOW - timedelta(days=i), author="pro", place=shop,
                                               category=("市场监管", "消费维权", "虚假宣传"))], now=NOW)
        for i in range(3):
            engine.process(session, [make_post(session, f"南溪路与双溪路交叉口问题{i}：" + ["路灯不亮", "井盖松动", "护栏歪了"][i],
                                               at=NOW - timedelta(hours=i), author=f"n{i}")], now=NOW)
        rule = rule_of_kind([], "frequent-complainant")
        people = frequent_complainants(session, rule, now=NOW)
        assert [p["author_id"] for p in people] == ["pro"]
        assert people[0]["professional"] and people[0]["label"] == "疑似职业索赔" and len(people[0]["cases"]) == 5
        strict = RuleConfig(id="fc", kind="frequent-complainant", window="30d", min_posts=6)
        assert frequent_complainants(session, strict, now=NOW) == []
        points = frequent_points(session, rule_of_kind([], "frequent-point"), now=NOW)
        assert [p["place_id"] for p in points] == [CROSSING["id"]] and points[0]["cases"] == 3


def test_kpis_and_open311(store, make_post, engine_factory):
    engine, sla = engine_factory(), SlaConfig()
    with store.session() as session:
        found = engine.process(session, [make_post(session, "南溪路与双溪路交叉口满地玻璃碴", at=NOW - timedelta(minutes=5))],
                               now=NOW - timedelta(minutes=4)).opened[0]
        engine.process(session, [make_post(session, "来电：南溪路与双溪路交叉口满地玻璃碴", at=NOW, author=None,
                                           source="hotline", source_kind="hotline", kind="order")], now=NOW)
        transition(session, found, "dispatch", actor="op", now=NOW - timedelta(minutes=2), sla=sla, department="环卫所")
        kpi = compute_kpis(session, now=NOW + timedelta(hours=1))
        assert kpi["cases"] == 1 and kpi["proactive"]["opened_before_hotline"] == 1
        assert kpi["proactive"]["lead_time_median_s"] == 240.0
        assert kpi["post_to_case_median_s"] == 60.0 and kpi["case_to_dispatch_median_s"] == 120.0
        assert kpi["counts"]["daily"]["2024-05-20"]["opened"] == 1 and "2024-W21" in kpi["counts"]["weekly"]
        request = case_to_open311(session.get(Case, found))
        assert request["service_request_id"] == found and request["status"] == "open"
        assert request["service_notice"] == "已主动发现" and request["agency_responsible"] == "环卫所"
        assert request["lat"] == CROSSING["lat"] and request["long"] == CROSSING["lon"]
        assert open311_requests(session, status="closed") == []
        assert len(open311_requests(session, status="open")) == 1


def test_needs_location_queue_resolution_learns_alias(store, make_post, engine_factory):
    engine = engine_factory()
    with store.session() as session:
        post, tag = make_post(session, "老菜场后门垃圾堆成山", at=NOW, place=None, district="南湖区")
        tag.locations = [{"text": "老菜场后门", "start": 0, "end": 5, "type": "poi", "resolved": None}]
        engine.process(session, [(post, tag)], now=NOW)
        [entry] = open_queue(session)
        assert entry.span == "老菜场后门"
        report = resolve_queued(session, engine, entry.id, {**CROSSING, "id": "jx-poi-9", "name": "南湖菜场"},
                                actor="op", now=NOW)
        assert report.opened and open_queue(session) == []
        alias = session.scalars(select(PlaceAlias)).one()
        assert (alias.alias, alias.place_id) == ("老菜场后门", "jx-poi-9")
