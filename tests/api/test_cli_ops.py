"""`minsheng sources list|pause|resume` and `minsheng crawls list` through the real command line.

The CLI's config names the same home and sources as the API fixtures' ``settings``, so runs,
posts and pauses seeded or checked through ``runtime`` are the ones the commands see.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawlers.health import is_paused
from index.models import Source

from .conftest import add_post
from .test_ops import _runs

SOURCES = ("sources:\n"
           "  - {id: forum, kind: discuz, name: 南湖论坛, boards: ['http://127.0.0.1:9/forum-2-1.html']}\n"
           "  - {id: video, kind: douyin, name: 短视频, videos: ['7000000000000000001']}\n")
UNKNOWN = "minsheng: error: unknown source 'nope' (known: forum, video)\n"
Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(runtime, make_config: Callable[..., Path], run_cli: Cli) -> Cli:
    """`minsheng --config … ARGS` on the store the ``runtime`` fixture seeds (same home, same sources)."""
    config = str(make_config(SOURCES))
    return lambda *args: run_cli("--config", config, *args)


def _json_lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_sources_list_json_and_table(cli: Cli, runtime) -> None:
    _runs(runtime)  # forum: ok, failed, ok
    add_post(runtime, external_id="fresh", text="刚抓到的帖子", fetched_at=datetime.now(timezone.utc))
    code, out, err = cli("sources", "list", "--json")
    assert code == 0, err
    forum, video = _json_lines(out)
    assert (forum["id"], forum["kind"], forum["name"], forum["paused"]) == ("forum", "discuz", "南湖论坛", False)
    assert forum["last_status"] == "ok" and abs(forum["error_rate"] - 1 / 3) < 1e-9 and forum["posts_24h"] == 1
    assert forum["last_run_at"].startswith("2025-06-02 10:00") and forum["running"] is False
    assert (video["id"], video["kind"], video["last_status"], video["posts_24h"]) == ("video", "douyin", None, 0)
    code, out, err = cli("sources", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("forum            discuz   运行 last=ok 24h=1 errors=33% health=")
    assert lines[0].split("health=")[1].split(":")[0] == forum["health"]["status"]
    assert lines[1].startswith("video            douyin   运行 last=- 24h=0 errors=0% health=")


def test_pause_and_resume_change_the_store(cli: Cli, runtime) -> None:
    code, out, err = cli("sources", "pause", "forum")
    assert code == 0, err
    assert json.loads(out) == {"source": "forum", "paused": True}
    assert is_paused(runtime.store, "forum") and not is_paused(runtime.store, "video")
    with runtime.store.session() as session:  # pausing a never-crawled source creates its row
        row = session.get(Source, "forum")
        assert (row.kind, row.name, row.paused) == ("discuz", "南湖论坛", True)
    rows = _json_lines(cli("sources", "list", "--json")[1])
    assert [(r["id"], r["paused"], r["health"]["status"]) for r in rows][0] == ("forum", True, "paused")
    assert rows[1]["paused"] is False
    assert "forum            discuz   暂停 " in cli("sources", "list")[1]
    code, out, err = cli("sources", "resume", "forum")
    assert code == 0, err
    assert json.loads(out) == {"source": "forum", "paused": False}
    assert not is_paused(runtime.store, "forum")
    assert [r["paused"] for r in _json_lines(cli("sources", "list", "--json")[1])] == [False, False]


@pytest.mark.parametrize("command", ["pause", "resume"])
def test_unknown_source_is_a_one_line_error(cli: Cli, runtime, command: str) -> None:
    assert cli("sources", command, "nope") == (2, "", UNKNOWN)
    with runtime.store.session() as session:
        assert session.get(Source, "nope") is None


def test_crawls_list_newest_first_with_filters(cli: Cli, runtime) -> None:
    assert cli("crawls", "list") == (0, "", "")
    _runs(runtime)
    video_run = runtime.store.start_run("video", "douyin", trigger="manual", pid=4321,
                                        now=datetime(2025, 6, 2, 12, 0, tzinfo=timezone.utc))
    code, out, err = cli("crawls", "list")
    assert code == 0, err
    runs = _json_lines(out)
    assert [(r["source_id"], r["status"]) for r in runs] == [
        ("video", "running"), ("forum", "ok"), ("forum", "failed"), ("forum", "ok")]
    assert runs[0]["id"] == video_run and runs[0]["pid"] == 4321 and runs[0]["finished_at"] is None
    assert (runs[2]["pages"], runs[2]["new_posts"], runs[2]["errors"], runs[2]["trigger"]) == (10, 7, 1, "schedule")
    forum = _json_lines(cli("crawls", "list", "--source", "forum", "--limit", "2")[1])
    assert [(r["source_id"], r["status"]) for r in forum] == [("forum", "ok"), ("forum", "failed")]
    assert forum[0]["started_at"].startswith("2025-06-02 10:00")
    assert cli("crawls", "list", "--source", "nope") == (0, "", "")
    code, out, err = cli("crawls", "list", "--limit", "0")
    assert code == 2 and out == "" and "--limit" in err
