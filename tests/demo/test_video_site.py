"""The demo short-video site: real field names, cursor paging, replies, growth, fault switches."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from demo.content import DemoWriter
from demo.video.app import create_video_app
from demo.video.server import build_state
from demo.video.state import Faults, VideoSiteState

GAZETTEER = Path(__file__).resolve().parents[2] / "demo" / "data" / "gazetteer.csv"
COMMENT_FIELDS = {"cid", "text", "create_time", "ip_label", "digg_count", "reply_comment_total", "reply_id", "user"}


@pytest.fixture
def state() -> VideoSiteState:
    return build_state(DemoWriter(GAZETTEER, None, 3), videos=4, comments_per_video=60, seed=3)


@pytest.fixture
def client(state: VideoSiteState) -> TestClient:
    return TestClient(create_video_app(state))


def _first_video(state: VideoSiteState) -> str:
    return next(iter(state.videos))


def test_comment_pages_use_the_platforms_fields_and_cursor(client: TestClient, state: VideoSiteState) -> None:
    aweme = _first_video(state)
    seen: list[str] = []
    cursor, has_more = 0, 1
    while has_more:
        page = client.get("/aweme/v1/web/comment/list/", params={"aweme_id": aweme, "cursor": cursor, "count": 20}).json()
        assert {"status_code", "comments", "cursor", "has_more", "total"} <= set(page)
        for comment in page["comments"] or []:
            assert COMMENT_FIELDS <= set(comment)
            assert set(comment["user"]) >= {"uid", "sec_uid", "nickname"}
            seen.append(comment["cid"])
        cursor, has_more = page["cursor"], page["has_more"]
    assert len(seen) == len(set(seen)) == page["total"] == len(state.visible_comments(state.videos[aweme]))


def test_replies_page_under_their_comment(client: TestClient, state: VideoSiteState) -> None:
    aweme = _first_video(state)
    parent = next(c for c in state.visible_comments(state.videos[aweme]) if state.visible_replies(c))
    page = client.get("/aweme/v1/web/comment/list/reply/",
                      params={"item_id": aweme, "comment_id": parent.cid, "cursor": 0, "count": 50}).json()
    assert page["total"] == len(page["comments"]) == len(state.visible_replies(parent))
    assert {c["reply_id"] for c in page["comments"]} == {parent.cid}


def test_new_comments_appear_as_the_clock_advances(client: TestClient, state: VideoSiteState) -> None:
    before = state.totals()
    client.post("/admin/advance", json={"seconds": 3 * 86400})
    after = state.totals()
    assert after["comments"] > before["comments"] and after["replies"] >= before["replies"]


def test_video_page_needs_javascript_unless_prerendered(client: TestClient, state: VideoSiteState) -> None:
    aweme = _first_video(state)
    first = state.visible_comments(state.videos[aweme])[0]
    html = client.get(f"/video/{aweme}").text
    assert 'data-aweme-id="' + aweme in html and "/static/video.js" in html and first.text not in html
    client.post("/admin/faults", json={"require_js": False})
    assert first.text in client.get(f"/video/{aweme}").text
    assert client.get("/video/123").status_code == 404


def test_fault_switches(client: TestClient, state: VideoSiteState) -> None:
    aweme = _first_video(state)
    url = f"/aweme/v1/web/comment/list/?aweme_id={aweme}"
    client.post("/admin/faults", json={"rate_limit_every": 2, "retry_after_s": 3})
    statuses = [client.get(url) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 200, 429]
    assert statuses[1].headers["Retry-After"] == "3"
    client.post("/admin/faults", json={"rate_limit_every": 0, "fail_every": 1})
    assert client.get(url).status_code == 500
    assert client.get(f"/video/{aweme}").status_code == 200  # pages stay up; only the API fails
    assert client.post("/admin/faults", json={"no_such_switch": 1}).status_code == 400
    assert client.get("/admin/stats").json()["served"]["500"] == 1


def test_account_page_lists_its_videos(client: TestClient, state: VideoSiteState) -> None:
    video = state.videos[_first_video(state)]
    html = client.get(f"/user/{video.author.sec_uid}").text
    assert f'href="/video/{video.aweme_id}"' in html and "RENDER_DATA" in html
    posts = client.get("/aweme/v1/web/aweme/post/", params={"sec_user_id": video.author.sec_uid}).json()
    assert video.aweme_id in [v["aweme_id"] for v in posts["aweme_list"]]
    detail = client.get("/aweme/v1/web/aweme/detail/", params={"aweme_id": video.aweme_id}).json()
    assert detail["aweme_detail"]["desc"] == video.desc


def test_faults_constructor_switch_rejects_unknown_keys() -> None:
    faults = Faults()
    with pytest.raises(ValueError, match="unknown fault switch"):
        faults.update({"slow": 1})
