"""The search page: every filter in the URL, facets that narrow, saved searches from the
page, and the map base derived from the gazetteer."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from api.settings import load_settings
from api.ui.jurisdiction import build_map_base, convex_hull, padded_outline
from nlp.gazetteer import Gazetteer

from .conftest import DEMO_GAZETTEER
from .test_ui import _csrf, sign_in


@pytest.fixture
def settings(tmp_path):
    return load_settings(None, home=tmp_path / "home", gazetteer=str(DEMO_GAZETTEER), sources=[
        {"id": "forum", "kind": "discuz", "name": "南湖论坛", "boards": ["http://127.0.0.1:9/forum-2-1.html"]}])


def test_filters_from_a_plain_form_submit(client, keys, forum_thread) -> None:
    sign_in(client, keys["viewer"])
    # A browser without script sends every field, empty ones included.
    page = client.get("/", params={"q": "电梯", "sort": "relevance", "since": "", "until": "", "category": "",
                                   "district": "南湖区", "street": "", "community": "", "source": "",
                                   "has_case": ""})
    assert page.status_code == 200 and "共 <b id=\"total\">" in page.text
    assert '<option selected>南湖区</option>' in page.text
    assert "城乡建设/住房保障与房地产" in page.text  # the category tree comes from the taxonomy
    assert "新兴街道" in page.text  # street menu from the gazetteer
    none = client.get("/", params={"q": "电梯", "district": "秀洲区"})
    assert 'id="total">0<' in none.text


def test_facet_links_narrow_and_keep_the_query(client, keys, forum_thread, video_comments) -> None:
    sign_in(client, keys["viewer"])
    page = client.get("/", params={"q": "电梯"}).text
    link = next(part.split('"')[0] for part in page.split('href="')[1:] if "source=forum" in part.split('"')[0])
    params = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert params == {"q": ["电梯"], "source": ["forum"]}
    assert 'data-query="q=%E7%94%B5%E6%A2%AF"' in page  # the trend chart asks for the same query


def test_saved_search_create_list_delete(client, keys, forum_thread) -> None:
    sign_in(client, keys["operator"])
    page = client.get("/", params={"q": "电梯", "district": "南湖区"}).text
    token = _csrf(page)
    created = client.post("/ui/saved", data={"name": "南湖电梯", "search": "q=电梯&district=南湖区&page=2",
                                             "alert": "true", "csrf_token": token}, follow_redirects=False)
    assert created.status_code == 303
    saved = client.get("/api/v1/saved-searches").json()
    assert [(s["name"], s["query"], s["filters"]) for s in saved] == [("南湖电梯", "电梯", {"district": "南湖区"})]
    listed = client.get("/").text
    assert "南湖电梯" in listed and "/?q=%E7%94%B5%E6%A2%AF&amp;district=%E5%8D%97%E6%B9%96%E5%8C%BA" in listed
    bad = client.post("/ui/saved", data={"name": "坏的", "search": 'q="电梯', "csrf_token": token})
    assert bad.status_code == 422 and "unclosed" in bad.text
    empty = client.post("/ui/saved", data={"name": "空", "search": "", "csrf_token": token})
    assert empty.status_code == 422
    deleted = client.post(f"/ui/saved/{saved[0]['id']}/delete", data={"csrf_token": token}, follow_redirects=False)
    assert deleted.status_code == 303 and client.get("/api/v1/saved-searches").json() == []
    sign_in(client, keys["viewer"])  # someone else's saved search is not found
    assert client.post(f"/ui/saved/{saved[0]['id']}/delete", data={"csrf_token": _csrf(client.get('/').text)}
                       ).status_code == 404


def test_hull_and_map_base() -> None:
    square = [(0, 0), (1, 0), (1, 1), (0, 1), (0.5, 0.5)]
    assert sorted(convex_hull(square)) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    ring = padded_outline(square, pad=0.1)
    assert ring[0] == ring[-1] and len(ring) == 5 and min(x for x, _ in ring) < 0
    assert len(padded_outline([(5.0, 5.0)])) == 9  # a lone seat becomes an octagon
    base = build_map_base(Gazetteer.from_csv(DEMO_GAZETTEER))
    names = [f["properties"]["name"] for f in base.geojson["features"]]
    assert names == ["南湖区", "秀洲区"] and len(base.streets) == 21
    lon_min, lat_min, lon_max, lat_max = base.bounds
    assert 120 < lon_min < lon_max < 121 and 30 < lat_min < lat_max < 31


def test_bad_filter_is_a_message_not_a_crash(client, keys, forum_thread) -> None:
    sign_in(client, keys["viewer"])
    page = client.get("/", params={"q": "电梯", "since": "yesterday"})
    assert page.status_code == 200 and '<p class="error">since' in page.text
    assert "article class=\"post hit\"" not in page.text
