"""The needs-location page: suggestions, resolving to a gazetteer place or a new place,
role and CSRF guards, and a running tagger learning the alias at once."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from api.settings import load_settings
from api.ui.placing import PlacingError, new_place, suggestions, teach_tagger
from crawlers.items import RawPost
from index.models import PlaceAlias, PlaceQuery, PostTag
from nlp.gazetteer import Gazetteer

from .conftest import DEMO_GAZETTEER, add_post
from .test_ui import _csrf, sign_in


@pytest.fixture
def settings(tmp_path):
    return load_settings(None, home=tmp_path / "home", gazetteer=str(DEMO_GAZETTEER), nlp={"jurisdiction": "嘉兴市"})


def _queued(runtime, span: str, text: str = "门口路灯坏了一个月，电话13812345678") -> int:
    post_id = add_post(runtime, external_id=f"q-{span}", kind="thread", text=span + text,
                       tag={"level1": "城乡建设", "level2": "市政设施"})
    with runtime.store.session() as session:
        entry = PlaceQuery(post_id=post_id, span=span, status="open", created_at=datetime.now(timezone.utc))
        session.add(entry)
        session.flush()
        return entry.id


def test_page_lists_entries_with_suggestions_masked(client, runtime, keys) -> None:
    entry_id = _queued(runtime, "府南花园北门")
    sign_in(client, keys["viewer"])
    page = client.get("/places").text
    assert f'data-entry="{entry_id}"' in page and "138****5678" in page and "13812345678" not in page
    assert "/ui/places/" not in page  # a viewer may not resolve: no forms
    sign_in(client, keys["operator"])
    page = client.get("/places").text
    suggested = page.split('<optgroup label="建议">')[1].split("</optgroup>")[0]
    assert 'value="p006"' in suggested  # 府南花园


def test_resolve_existing_place_and_guards(client, runtime, keys) -> None:
    entry_id = _queued(runtime, "老府南")
    sign_in(client, keys["viewer"])
    token = _csrf(client.get("/places").text)
    assert client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "m001", "csrf_token": token}).status_code == 403
    sign_in(client, keys["operator"])
    assert client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "m001"}).status_code == 403  # no CSRF
    token = _csrf(client.get("/places").text)
    bad = client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "nope", "csrf_token": token})
    assert bad.status_code == 422 and "not in the gazetteer" in bad.text
    done = client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "m001", "learn": "true", "csrf_token": token},
                       follow_redirects=False)
    assert done.status_code == 303
    with runtime.store.session() as session:
        assert session.get(PlaceQuery, entry_id).status == "resolved"
        assert [(a.alias, a.place_id) for a in session.query(PlaceAlias)] == [("老府南", "m001")]
    assert "老府南" in client.app.state.gazetteer.place("m001").aliases  # the app's gazetteer learned it too
    again = client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "m001", "csrf_token": token})
    assert again.status_code == 422 and "already" in again.text


def test_new_place_and_dismiss(client, runtime, keys) -> None:
    entry_id = _queued(runtime, "锦绣家园")
    other = _queued(runtime, "某处")
    sign_in(client, keys["admin"])
    token = _csrf(client.get("/places").text)
    bad = client.post(f"/ui/places/{entry_id}/new", data={"name": "锦绣家园", "type": "compound", "parent_id": "s004",
                                                          "lat": "abc", "lon": "1", "csrf_token": token})
    assert bad.status_code == 422 and "not numbers" in bad.text
    done = client.post(f"/ui/places/{entry_id}/new", data={"name": "锦绣家园", "type": "compound", "parent_id": "s004",
                                                           "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    with runtime.store.session() as session:
        alias = session.query(PlaceAlias).one()
        tag = session.get(PostTag, session.get(PlaceQuery, entry_id).post_id)
    assert alias.new_place["name"] == "锦绣家园" and alias.new_place["district"] == "南湖区"
    assert tag.place_id == alias.place_id and tag.lat is not None  # the parent's coordinates
    assert client.post(f"/ui/places/{other}/dismiss", data={"csrf_token": token}).status_code == 200
    assert "没有待定位的诉求" in client.get("/places").text


def test_placing_rules() -> None:
    gazetteer = Gazetteer.from_csv(DEMO_GAZETTEER)
    assert suggestions(gazetteer, None) == []
    assert suggestions(gazetteer, "中央城")[0].id == "p001"
    with pytest.raises(PlacingError, match="type"):
        new_place(gazetteer, name="X苑", type="city", parent_id="s001", lat=None, lon=None)
    with pytest.raises(PlacingError, match="parent_id"):
        new_place(gazetteer, name="X苑", type="compound", parent_id="zzz", lat=None, lon=None)
    with pytest.raises(PlacingError, match="both"):
        new_place(gazetteer, name="X苑", type="compound", parent_id="s001", lat=30.0, lon=None)
    row, place = new_place(gazetteer, name="X苑", type="compound", parent_id="m001", lat=None, lon=None)
    assert row["street"] == "建设街道" and row["community"] == "府南社区" and (place.lat, place.lon) == (30.7575, 120.757)
    gazetteer.add_place(place)
    with pytest.raises(PlacingError, match="already exists"):
        new_place(gazetteer, name="X苑", type="compound", parent_id="m001", lat=None, lon=None)


@pytest.mark.slow
def test_running_tagger_learns_at_once(client, runtime, keys) -> None:
    """With the tagger loaded before staff resolve, the next post resolves without a restart."""
    tagger = runtime.tagger  # loaded now: it has not seen any PlaceAlias rows
    entry_id = _queued(runtime, "锦绣家园")
    sign_in(client, keys["operator"])
    token = _csrf(client.get("/places").text)
    client.post(f"/ui/places/{entry_id}/resolve", data={"place_id": "p001", "learn": "true", "csrf_token": token})
    assert "锦绣家园" in tagger.gazetteer.place("p001").aliases
    now = datetime.now(timezone.utc)
    report = runtime.ingest([RawPost(source_id="forum", external_id="after", kind="thread", published_at=now,
                                     title="锦绣家园门口垃圾没人清理", text="锦绣家园门口垃圾堆了好几天，希望尽快处理")], now=now)
    with runtime.store.session() as session:
        assert session.get(PostTag, report.post_ids[0]).place_id == "p001"


def test_teach_tagger_adds_new_places_first() -> None:
    class Recorder:
        def __init__(self) -> None:
            self.gazetteer = Gazetteer.from_csv(DEMO_GAZETTEER)
            self.learned: list[tuple[str, str]] = []

        def learn_alias(self, place_id: str, alias: str) -> None:
            self.gazetteer.add_alias(place_id, alias)
            self.learned.append((place_id, alias))

    tagger = Recorder()
    row = {"id": "u1", "name": "锦绣家园", "type": "compound", "parent_id": "s004", "lat": 30.75, "lon": 120.78}
    teach_tagger(tagger, "锦绣家园北区", "u1", row)
    assert tagger.gazetteer.place("u1").name == "锦绣家园"
    assert tagger.learned == [("u1", "锦绣家园"), ("u1", "锦绣家园北区")]
    teach_tagger(tagger, "x", "m001", None)  # one character: not an alias
    assert tagger.learned[-1] == ("u1", "锦绣家园北区")
