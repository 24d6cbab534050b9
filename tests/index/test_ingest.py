"""The one ingest path, end to end through `minsheng ingest`: idempotent, line-numbered errors."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from api.runtime import Runtime
from api.settings import load_settings
from index.export import row_dict
from index.models import Alert, Case, CaseEvent, CasePost, Post, PostTag

PLACES = ["中山路", "禾兴路", "南溪路与双溪路交叉口", "龙川家园小区", "勤俭路"]
PROBLEMS = ["路灯坏了好几天，晚上一片漆黑", "路面有个大坑，电动车差点摔倒", "下水道堵了，污水漫到路上",
            "一大片玻璃碴散落在路面上", "夜里施工噪音太大吵得睡不着"]


def feed_lines(count: int) -> list[str]:
    start = datetime(2025, 6, 2, 8, 0)
    return [json.dumps({
        "id": f"order-{i}", "title": f"{PLACES[i % 5]}{PROBLEMS[i % 5][:4]}",
        "text": f"{PLACES[i % 5]}{PROBLEMS[i % 5]}，希望有关部门尽快处理。",
        "time": (start + timedelta(minutes=7 * i)).isoformat(), "author": f"居民{i % 4}",
    }, ensure_ascii=False) for i in range(count)]


def snapshot(runtime: Runtime) -> dict[str, list[dict]]:
    with runtime.store.session() as session:
        return {model.__tablename__: [row_dict(r) for r in session.scalars(select(model))]
                for model in (Post, PostTag, Case, CasePost, CaseEvent, Alert)}


def index_files(home: Path) -> dict[str, str]:
    """Every index file's content digest: an unchanged index has the same files and bytes."""
    return {str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (home / "index").rglob("*") if p.is_file() and not p.name.endswith(".lock")}


def test_ingesting_the_same_file_twice_changes_nothing(
        tmp_path: Path, make_config: Callable[..., Path], run_cli: Callable[..., tuple[int, str, str]]) -> None:
    config = make_config()
    feed = tmp_path / "orders.jsonl"
    feed.write_text("\n".join(feed_lines(25)) + "\n", encoding="utf-8")
    code, out, err = run_cli("--config", str(config), "ingest", str(feed), "--source", "hotline")
    assert code == 0, err
    first = json.loads(out.strip().splitlines()[-1])
    assert (first["new"], first["unchanged"], first["bad_lines"]) == (25, 0, 0)

    runtime = Runtime(load_settings(config))
    before, files_before = snapshot(runtime), index_files(tmp_path / "home")
    hits_before = runtime.search.count("")
    runtime.close()
    assert len(before["posts"]) == len(before["post_tags"]) == 25 and hits_before == 25

    code, out, err = run_cli("--config", str(config), "ingest", str(feed), "--source", "hotline")
    assert code == 0, err
    second = json.loads(out.strip().splitlines()[-1])
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, 25)
    runtime = Runtime(load_settings(config))
    assert snapshot(runtime) == before
    assert index_files(tmp_path / "home") == files_before
    assert runtime.search.count("") == hits_before
    runtime.close()


def test_an_edited_line_updates_its_post(tmp_path: Path, make_config: Callable[..., Path],
                                         run_cli: Callable[..., tuple[int, str, str]]) -> None:
    config = make_config()
    feed = tmp_path / "orders.jsonl"
    lines = feed_lines(3)
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli("--config", str(config), "ingest", str(feed))[0] == 0
    edited = json.loads(lines[1])
    edited["text"] += "（补充：已经一周了）"
    feed.write_text("\n".join([lines[0], json.dumps(edited, ensure_ascii=False), lines[2]]) + "\n", encoding="utf-8")
    code, out, _ = run_cli("--config", str(config), "ingest", str(feed))
    assert json.loads(out.strip().splitlines()[-1])[ "updated"] == 1
    runtime = Runtime(load_settings(config))
    with runtime.store.session() as session:
        posts = list(session.scalars(select(Post)))
        assert len(posts) == 3
        post = next(p for p in posts if p.external_id == "order-1")
        assert post.text.endswith("已经一周了）") and post.edited_at is not None
    runtime.close()


def test_malformed_lines_are_reported_and_good_lines_still_ingested(
        tmp_path: Path, make_config: Callable[..., Path], run_cli: Callable[..., tuple[int, str, str]]) -> None:
    config = make_config()
    good = feed_lines(3)
    feed = tmp_path / "mixed.jsonl"
    feed.write_text("\n".join([good[0], "{broken", good[1], '{"id": "x"}', good[2]]) + "\n", encoding="utf-8")
    code, out, err = run_cli("--config", str(config), "ingest", str(feed))
    assert code == 1
    assert "line 2: malformed JSON" in err and "line 4:" in err
    assert json.loads(out.strip().splitlines()[-1])["new"] == 3


def test_missing_file_and_bad_config_are_one_line_errors(
        tmp_path: Path, make_config: Callable[..., Path], run_cli: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run_cli("--config", str(make_config()), "ingest", str(tmp_path / "absent.jsonl"))
    assert code == 2 and err.strip().count("\n") == 0 and "absent.jsonl" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("search: {backend: solr}\n", encoding="utf-8")
    code, _, err = run_cli("--config", str(bad), "ingest", str(tmp_path / "x.jsonl"))
    assert code == 2 and err.strip().count("\n") == 0 and "search.backend" in err and str(bad) in err


def test_search_finds_words_inside_compounds(tmp_path: Path, make_config: Callable[..., Path],
                                            run_cli: Callable[..., tuple[int, str, str]]) -> None:
    """玻璃碴 is one word to the segmenter; staff searching 玻璃 must still find it."""
    config = make_config()
    feed = tmp_path / "orders.jsonl"
    feed.write_text("\n".join(feed_lines(10)) + "\n", encoding="utf-8")
    assert run_cli("--config", str(config), "ingest", str(feed))[0] == 0
    code, out, _ = run_cli("--config", str(config), "search", "玻璃", "--json")
    result = json.loads(out)
    assert code == 0 and result["total"] == 2  # orders 3 and 8 mention 玻璃碴
    assert all("<em>玻璃</em>" in hit["highlights"]["text"] for hit in result["hits"])
    code, out, _ = run_cli("--config", str(config), "search", '"大片玻璃碴"', "--json")
    assert json.loads(out)["total"] == 2
    code, out, _ = run_cli("--config", str(config), "search", '"大片玻璃"', "--json")
    assert json.loads(out)["total"] == 0  # a phrase matches the words as written
