"""The staff web UI in a real browser (Debian's headless Chromium via Playwright).

One demo home and one app server for the module; each test signs in with its own
browser context. Screenshots land in artifacts/screenshots/.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from api.runtime import Runtime
from api.settings import load_settings
from cases.outbox import raise_alert
from crawlers.items import RawPost
from index.models import Alert, CaseEvent, PlaceAlias, PlaceQuery, PostTag
from tests.e2e.conftest import SCREENSHOTS, screenshot
from tests.e2e.demo_home import PHONE, UNKNOWN_SPAN

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _runtime(demo_home) -> Runtime:
    return Runtime.from_settings(load_settings(demo_home.config))


def _no_harm(watch) -> None:
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.evil_requests == [], f"requests to the hostile host: {watch.evil_requests}"


def test_sign_in(browser, base_url, demo_home) -> None:
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(base_url + "/cases")
    assert "/login" in page.url
    page.fill("input[name=api_key]", "ms_wrong")
    page.click("form[action='/login'] button[type=submit]")
    assert "密钥无效" in page.inner_text(".error")
    screenshot(page, "sign-in-refused")
    page.fill("input[name=api_key]", demo_home.keys["dispatch"])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_url(base_url + "/cases")
    assert "e2e-dispatch" in page.inner_text("header")
    cookie = next(c for c in context.cookies() if c["name"] == "ms_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie").find("ms_session") == -1  # script cannot read it
    context.close()


def test_search_with_filters_highlights_and_facets(signed_in, base_url) -> None:
    page, watch = signed_in("operator")
    page.fill("input[name=q]", "垃圾")
    page.check("input[name=is_complaint]")
    page.select_option("select[name=district]", "南湖区")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("article.hit")
    query = parse_qs(urlsplit(page.url).query)
    assert query["q"] == ["垃圾"] and query["district"] == ["南湖区"] and query["is_complaint"] == ["true"]
    assert "since" not in query  # empty fields stay out of the shared URL
    assert page.locator("article.hit em").count() > 0
    assert all("垃" in t or "圾" in t for t in page.locator("article.hit em").all_inner_texts())
    assert page.locator(".facets li").count() > 0
    places = page.locator("article.hit .tag.place").all_inner_texts()
    assert places and all(p.startswith("南湖区") for p in places)
    page.wait_for_selector("#trend-chart[data-rendered='1'] canvas")
    screenshot(page, "search")
    # The URL is the whole search: opening it again gives the same results.
    first = page.inner_text("#total")
    again = page.context.new_page()
    again.goto(page.url)
    assert again.inner_text("#total") == first
    # Saving it lists it, and its link reruns it.
    page.fill(".save-search input[name=name]", "南湖垃圾")
    page.click(".save-search button[type=submit]")
    link = page.locator("#saved-list a", has_text="南湖垃圾")
    assert link.count() == 1
    assert parse_qs(urlsplit(link.get_attribute("href")).query)["district"] == ["南湖区"]
    page.locator("#saved-list li", has_text="南湖垃圾").locator("button").click()
    assert page.locator("#saved-list a", has_text="南湖垃圾").count() == 0
    _no_harm(watch)
    assert watch.errors == []


def _card_column(page, case_id: str) -> str:
    return page.locator(f"article.case-card[data-case='{case_id}']").first.evaluate(
        "node => node.closest('.column').dataset.status")


def test_case_moves_across_board_and_history_records_it(signed_in, base_url, demo_home) -> None:
    page, watch = signed_in("dispatch")
    page.goto(base_url + "/cases")
    card = page.locator(".column[data-status='new'] article.case-card").first
    case_id = card.get_attribute("data-case")
    card.locator("summary").click()
    form = card.locator("form.action-dispatch")
    form.locator("input[name=department]").fill("南湖区综合执法局")
    form.locator("input[name=reason]").fill("派往属地处置")
    form.locator("button").click()
    page.wait_for_url(re.compile(r"/cases($|\?)"))
    assert _card_column(page, case_id) == "dispatched"

    operator, _ = signed_in("operator")
    operator.goto(base_url + "/cases")
    assert operator.locator(f"article.case-card[data-case='{case_id}'] form.action-dispatch").count() == 0
    for action, column in (("accept", "in_progress"), ("resolve", "resolved")):
        card = operator.locator(f"article.case-card[data-case='{case_id}']")
        card.locator("summary").click()
        card.locator(f"form.action-{action} input[name=reason]").fill(f"{action} 已处理")
        card.locator(f"form.action-{action} button").click()
        operator.wait_for_url(re.compile(r"/cases($|\?)"))
        assert _card_column(operator, case_id) == column

    operator.goto(f"{base_url}/cases/{case_id}")
    history = operator.locator("#history tbody tr")
    actions = [history.nth(i).get_attribute("data-action") for i in range(history.count())]
    assert actions[-3:] == ["dispatch", "accept", "resolve"]
    assert "派往属地处置" in operator.inner_text("#history")
    assert operator.inner_text("#case-status") == "已办结"
    with _runtime(demo_home).store.session() as session:
        events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id)).all()
        assert [(e.action, e.actor) for e in events][-3:] == [
            ("dispatch", "e2e-dispatch"), ("accept", "e2e-operator"), ("resolve", "e2e-operator")]
    screenshot(operator, "case", full_page=False)

    viewer, _ = signed_in("viewer")
    viewer.goto(f"{base_url}/cases/{case_id}")
    assert viewer.locator("details.actions").count() == 0  # hidden…
    token = viewer.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = viewer.request.post(f"{base_url}/ui/cases/{case_id}/transition",
                                  form={"action": "close", "csrf_token": token, "reason": "x"})
    assert refused.status == 403  # …and refused by the server
    _no_harm(watch)


def test_alert_arrives_live_and_ack_is_recorded(signed_in, base_url, demo_home) -> None:
    page, watch = signed_in("operator")
    page.goto(base_url + "/alerts")
    page.locator("#live-state.live").wait_for()
    page.evaluate("window.__sameDocument = true")
    runtime = _runtime(demo_home)
    now = datetime.now(timezone.utc)
    with runtime.store.session() as session:
        alert = raise_alert(session, type="escalation", key=f"e2e-escalation-{now.timestamp()}", level="critical",
                            title="提级办理：中央城电梯故障<img src=x onerror=alert(1)>", case_id=None, now=now,
                            event_time=now, webhooks=[], backfilled=False, push=True, payload={})
        alert_id = alert.id
    row = page.locator(f"#alerts tbody tr[data-id='{alert_id}']")
    row.wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True  # no reload happened
    assert page.locator("#alerts tbody tr").first.get_attribute("data-id") == str(alert_id)  # newest first
    assert "escalation" in row.get_attribute("class")
    assert "<img src=x" in row.inner_text()  # shown as text
    screenshot(page, "alerts")
    row.locator("form.ack-form button").click()
    row.locator(".acked").wait_for()
    with runtime.store.session() as session:
        stored = session.get(Alert, alert_id)
        assert stored.acked_by == "e2e-operator" and stored.acked_at is not None
    runtime.close()
    _no_harm(watch)


def test_overview_charts_and_map_render(signed_in, base_url) -> None:
    page, watch = signed_in("admin")
    page.goto(base_url + "/overview")
    for chart in ("overview-map", "series-chart", "category-chart", "district-chart"):
        page.wait_for_selector(f"#{chart}[data-rendered='1'] canvas")
    series = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('overview-map'))
        .getOption().series.map(s => [s.type, s.data.length])""")
    kinds = dict((kind, n) for kind, n in series if kind != "scatter")
    assert kinds["heatmap"] > 0 and kinds["effectScatter"] > 0
    regions = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('overview-map'))
        .getModel().getComponent('geo').coordinateSystem.regions.map(r => r.name)""")
    assert set(regions) == {"南湖区", "秀洲区"}
    assert page.locator(".kpi").count() >= 6
    assert page.locator("#top-points tbody tr").count() > 0
    screenshot(page, "overview", full_page=True)
    assert watch.errors == []


def test_needs_location_queue_resolves_a_span(signed_in, base_url, demo_home) -> None:
    page, watch = signed_in("operator")
    page.goto(base_url + "/places")
    entry = page.locator("article.place-entry", has_text=UNKNOWN_SPAN).first
    entry_id = int(entry.get_attribute("data-entry"))
    screenshot(page, "needs-location")
    entry.locator("select[name=place_id]").select_option("m001")  # 府南社区
    entry.locator("form.resolve button").click()
    page.wait_for_url(re.compile(r"/places\?done="))
    assert page.locator(f"article.place-entry[data-entry='{entry_id}']").count() == 0
    runtime = _runtime(demo_home)
    try:
        with runtime.store.session() as session:
            assert session.get(PlaceQuery, entry_id).status == "resolved"
            assert [(a.alias, a.place_id) for a in session.scalars(select(PlaceAlias))] == [(UNKNOWN_SPAN, "m001")]
        # The next post with that name resolves by itself: no queue entry, the learned place.
        now = datetime.now(timezone.utc)
        report = runtime.ingest([RawPost(source_id="jx9qu", external_id="after-learning", kind="thread",
                                         title=f"{UNKNOWN_SPAN}的路灯又坏了", thread_external_id="after-learning",
                                         text=f"{UNKNOWN_SPAN}里面路灯坏了一个星期，晚上很黑，请尽快修理",
                                         published_at=now)], now=now)
        post_id = report.post_ids[0]
        with runtime.store.session() as session:
            assert session.get(PostTag, post_id).place_id == "m001"
            assert session.scalar(select(PlaceQuery.id).where(PlaceQuery.post_id == post_id)) is None
    finally:
        runtime.close()
    _no_harm(watch)


def test_viewer_sees_masked_phone_numbers(signed_in, base_url, demo_home) -> None:
    page, _ = signed_in("viewer")
    page.goto(f"{base_url}/?q=路灯")
    body = page.inner_text("main")
    assert PHONE not in body and "138****5678" in body
    page.goto(f"{base_url}/posts/{demo_home.phone_post_id}")
    assert PHONE not in page.content() and "138****5678" in page.inner_text("main")
    screenshot(page, "viewer-masked")
    case_link = page.locator("a.tag.case").first
    case_link.click()
    assert PHONE not in page.content()
    operator, _ = signed_in("operator")
    operator.goto(f"{base_url}/posts/{demo_home.phone_post_id}")
    assert PHONE in operator.inner_text("main")  # operators see it unmasked, as in the API


def test_hostile_post_executes_nothing(signed_in, base_url, demo_home) -> None:
    page, watch = signed_in("admin")
    page.goto(f"{base_url}/?q=电梯")
    hit = page.locator("article.hit", has_text="alert")
    assert hit.count() >= 1
    assert "<script>" in hit.first.inner_text() and hit.first.locator("img, script").count() == 0
    assert hit.first.locator("a", has_text="原帖").count() == 0  # javascript: is never linked
    page.goto(f"{base_url}/posts/{demo_home.hostile_post_id}")
    text = page.inner_text("main")
    assert "onerror" in text
    # The RTL override never reaches the page as a live control character: ingest drops it,
    # and the templates would show it as ⟦U+202E⟧ if it were stored.
    assert "\u202e" not in page.content() and "gpj.exe" in text
    screenshot(page, "hostile-post")
    page.locator("a.tag.case").first.click()
    assert "<script>" in page.inner_text(".timeline")
    assert page.locator("main img, main script:not([type='application/json'])").count() == 0
    for path in ("/alerts", "/cases", "/overview"):
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")
    _no_harm(watch)


def test_timings_are_recorded(signed_in, base_url) -> None:
    """First paint and search response times on the demo data, kept as an artifact."""
    page, _ = signed_in("operator")
    timings = {}
    for name, path in (("overview", "/overview"), ("search", "/?q=噪音&is_complaint=true"), ("board", "/cases")):
        page.goto(base_url + path)
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)  # paint entries are recorded just after load
        timings[name] = page.evaluate("""() => {
            const nav = performance.getEntriesByType('navigation')[0];
            const paint = performance.getEntriesByName('first-contentful-paint')[0];
            return {response_ms: nav.responseEnd - nav.requestStart, first_paint_ms: paint ? paint.startTime : null};
        }""")
    SCREENSHOTS.parent.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS.parent / "e2e-timings.json").write_text(json.dumps(timings, indent=2), encoding="utf-8")
    assert all(t["response_ms"] > 0 for t in timings.values())
