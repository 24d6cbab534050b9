"""Every staff page renders for every role, with and without data, and keeps its guards."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from api.settings import load_settings
from index.models import Case

from .conftest import DEMO_GAZETTEER, add_alert, add_case, add_post
from .test_ui import HOSTILE, sign_in

PAGES = ("/", "/cases", "/alerts", "/overview", "/places", "/reports")


@pytest.fixture
def settings(tmp_path):
    return load_settings(None, home=tmp_path / "home", gazetteer=str(DEMO_GAZETTEER), sources=[
        {"id": "forum", "kind": "discuz", "name": "南湖论坛", "boards": ["http://127.0.0.1:9/forum-2-1.html"]}])


@pytest.mark.parametrize("role", ["viewer", "operator", "dispatch", "admin"])
def test_every_page_renders_empty(client, keys, role) -> None:
    sign_in(client, keys[role])
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert "<script>" not in page.text


def test_pages_render_with_data(client, runtime, keys, forum_thread) -> None:
    case_id = add_case(runtime, [forum_thread[1], forum_thread[2]])
    with runtime.store.session() as session:
        case = session.get(Case, case_id)
        case.lat, case.lon, case.place = 30.7575, 120.757, {"id": "p-zyc", "name": "中央城"}
        case.due_at = datetime.now(timezone.utc) + timedelta(hours=2)
    add_alert(runtime, "k1", case_id=case_id, type="escalation")
    sign_in(client, keys["admin"])
    for path in (*PAGES, f"/cases/{case_id}", f"/posts/{forum_thread[1]}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:800])
    overview = client.get("/overview").text
    assert 'id="overview-map"' in overview
    data = json.loads(re.search(r'<script type="application/json" id="overview-data">(.*?)</script>',
                                overview, re.S).group(1))
    districts = {f["properties"]["name"] for f in data["map"]["base"]["geojson"]["features"]}
    assert districts == {"南湖区", "秀洲区"}  # outlines from the gazetteer's coordinates
    assert [c["id"] for c in data["map"]["layers"]["cases"]] == [case_id]
    board = client.get("/cases").text
    assert f'data-case="{case_id}"' in board and "data-due=" in board


def test_hostile_text_on_every_page(client, runtime, keys) -> None:
    rtl = "文件\u202egpj.exe"
    post_id = add_post(runtime, external_id="evil", kind="thread", title=HOSTILE, text=f"电梯坏了 {HOSTILE} {rtl}",
                       url="javascript:alert(3)", thread_external_id="evil", author_name=HOSTILE,
                       tag={"level1": "城乡建设", "level2": "物业管理", "district": "南湖区"})
    case_id = add_case(runtime, [post_id], title=HOSTILE)
    add_alert(runtime, "evil", title=HOSTILE, case_id=case_id)
    sign_in(client, keys["admin"])
    for path in ("/", "/?q=电梯", f"/cases/{case_id}", "/cases", "/alerts", f"/posts/{post_id}", "/overview"):
        text = client.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text, path
        assert 'href="javascript:' not in text, path
        assert "\u202e" not in text, path
    assert "⟦U+202E⟧" in client.get(f"/posts/{post_id}").text
