"""The short-video spider end to end against the demo site, in headless Chromium and in API mode.

Each crawl runs as its own process (``python -m demo.video.probe``), sampled by PID so
that every Chromium process it started can be shown to be gone afterwards.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from demo.content import DemoWriter
from demo.video.bench import crawl_once, read_posts
from demo.video.server import VideoSiteServer, build_state
from demo.video.state import VideoSiteState

GAZETTEER = Path(__file__).resolve().parents[2] / "demo" / "data" / "gazetteer.csv"
MODES = [pytest.param("browser", marks=[pytest.mark.browser, pytest.mark.slow]), "api"]


@pytest.fixture
def site() -> Iterator[VideoSiteServer]:
    # 140 comments a video: about 105 top level, so 6 cursor pages of 20.
    state = build_state(DemoWriter(GAZETTEER, None, 5), videos=3, comments_per_video=140, seed=5)
    with VideoSiteServer(state) as server:
        yield server


@pytest.fixture(autouse=True)
def _need_chromium(request: pytest.FixtureRequest) -> None:
    if "browser" in request.keywords and not Path("/usr/bin/chromium").is_file():
        pytest.skip("needs /usr/bin/chromium")


def crawl(site: VideoSiteServer, mode: str, work: Path, states: Path | None = None, **source: Any) -> dict[str, Any]:
    config = {"id": "dy", "kind": "douyin", "mode": mode, **source}
    config.setdefault("videos", [f"{site.url}/video/{aweme}" for aweme in site.state.videos])
    run = crawl_once(config, work, browser_pages=3, states=states, timeout_s=600)
    assert run["exit_code"] == 0, run["log"]
    assert run["survivors"] == {}, f"processes left behind: {run['survivors']}"
    if mode == "browser":
        assert any("chrom" in name for name in run["sampled"].values()), "no browser was started"
    run["posts"] = read_posts(run["posts_path"])
    return run


def visible(state: VideoSiteState) -> dict[str, Any]:
    """Every comment and reply the site shows now, by cid."""
    found = {}
    for video in state.videos.values():
        for comment in state.visible_comments(video):
            found[comment.cid] = comment
            found.update({reply.cid: reply for reply in state.visible_replies(comment)})
    return found


@pytest.mark.parametrize("mode", MODES)
def test_every_comment_and_reply_is_stored_once(site: VideoSiteServer, mode: str, tmp_path: Path) -> None:
    run = crawl(site, mode, tmp_path)
    comments = [p for p in run["posts"] if p["kind"] != "video"]
    expected = visible(site.state)
    counts = Counter(p["external_id"] for p in comments)
    assert set(counts) == set(expected) and max(counts.values()) == 1
    for post in comments:
        truth = expected[post["external_id"]]
        assert post["author_name"] == truth.user.nickname and post["region"] == truth.ip_label
        assert post["likes"] == truth.digg_count and post["published_at"]
        assert post["kind"] == ("comment" if truth.reply_id == "0" else "comment_reply")
        assert post["parent_external_id"] == (None if truth.reply_id == "0" else truth.reply_id)
        assert post["context"] == site.state.videos[truth.aweme_id].desc
    assert sorted(p["external_id"] for p in run["posts"] if p["kind"] == "video") == sorted(site.state.videos)
    for aweme in site.state.videos:
        cursors = {cursor for (video, cursor) in site.state.list_requests if video == aweme}
        assert len(cursors) >= 5  # at least five cursor pages per video
    stats = run["stats"]
    assert stats["douyin/covered"] == stats["douyin/total_reported"] == len(expected)
    if mode == "browser":
        # The first page, requested by the page's own script while it loaded, was used as is.
        assert stats["douyin/first_page_captured"] == len(site.state.videos)
        assert all(site.state.list_requests[(aweme, 0)] == 1 for aweme in site.state.videos)


@pytest.mark.parametrize("mode", MODES)
def test_recrawl_fetches_only_new_comments(site: VideoSiteServer, mode: str, tmp_path: Path) -> None:
    first = crawl(site, mode, tmp_path / "first")
    before = set(visible(site.state))
    site.state.clock.advance(6 * 3600)
    site.state.list_requests.clear()
    new = set(visible(site.state)) - before
    assert new, "the demo clock should have brought new comments"
    second = crawl(site, mode, tmp_path / "second", states=first["posts_path"].parent / "states.json")
    taken = {p["external_id"] for p in second["posts"] if p["kind"] != "video"}
    assert taken == new
    # It stopped paging at what it had: far fewer list pages than the first crawl's six a video.
    assert sum(site.state.list_requests.values()) <= 2 * len(site.state.videos)


@pytest.mark.parametrize("mode", MODES)
def test_429_and_500_are_retried_and_counted(site: VideoSiteServer, mode: str, tmp_path: Path) -> None:
    site.state.faults.update({"rate_limit_every": 5, "fail_every": 7, "retry_after_s": 1})
    run = crawl(site, mode, tmp_path)
    assert site.state.served["429"] > 0 and site.state.served["500"] > 0
    taken = {p["external_id"] for p in run["posts"] if p["kind"] != "video"}
    assert taken == set(visible(site.state))
    stats = run["stats"]
    retried = stats.get("retry/count", 0) + stats.get("douyin/retries", 0) + stats.get("douyin/api_errors/page", 0)
    assert retried > 0
    assert stats.get("douyin/incomplete_videos", 0) == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_failing_api_ends_with_errors_counted(site: VideoSiteServer, mode: str, tmp_path: Path) -> None:
    site.state.faults.update({"fail_every": 1})
    run = crawl(site, mode, tmp_path)
    errors = sum(v for k, v in run["stats"].items() if k.startswith("errors/"))
    assert errors > 0 and run["stats"]["douyin/incomplete_videos"] == len(site.state.videos)
    states = json.loads((run["posts_path"].parent / "states.json").read_text(encoding="utf-8"))
    assert all(value["incomplete"] for value in states.values())  # the next run pages through again


@pytest.mark.parametrize("mode", MODES)
def test_accounts_bring_their_videos(site: VideoSiteServer, mode: str, tmp_path: Path) -> None:
    owner = next(iter(site.state.videos.values())).author
    run = crawl(site, mode, tmp_path, videos=[], accounts=[f"{site.url}/user/{owner.sec_uid}"])
    wanted = {v.aweme_id for v in site.state.account_videos(owner.sec_uid)}
    assert {p["external_id"] for p in run["posts"] if p["kind"] == "video"} == wanted


@pytest.mark.browser
@pytest.mark.slow
def test_tabs_are_reused_from_video_to_video(tmp_path: Path) -> None:
    # Seven videos through two tabs: each tab goes on to the next waiting video, and a
    # late answer meant for the video a tab showed before is never taken for the next.
    state = build_state(DemoWriter(GAZETTEER, None, 9), videos=7, comments_per_video=45, seed=9)
    with VideoSiteServer(state) as server:
        config = {"id": "dy", "kind": "douyin", "mode": "browser",
                  "videos": [f"{server.url}/video/{aweme}" for aweme in state.videos]}
        run = crawl_once(config, tmp_path, browser_pages=2, timeout_s=600)
    assert run["exit_code"] == 0, run["log"]
    assert run["survivors"] == {}, f"processes left behind: {run['survivors']}"
    comments = [p for p in read_posts(run["posts_path"]) if p["kind"] != "video"]
    counts = Counter(p["external_id"] for p in comments)
    assert set(counts) == set(visible(state)) and max(counts.values()) == 1
    assert all(p["context"] == state.videos[visible(state)[p["external_id"]].aweme_id].desc for p in comments)
    assert run["stats"]["playwright/page_count"] <= 2, run["stats"]
    assert run["stats"].get("douyin/browser_failures", 0) == 0
