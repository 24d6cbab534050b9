"""API test fixtures: a temp store with a real tantivy index, keys per role, seeded posts.

Posts are written straight into the store and the index (no tagger), so these tests
exercise the HTTP layer against real storage and search without loading NLP models.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import create_key
from api.runtime import Runtime
from api.settings import load_settings
from index.models import Alert, Case, CasePost, Post, PostTag
from index.search.docs import to_search_doc
from index.search.tantivy_engine import TantivyIndex

DEMO_GAZETTEER = Path(__file__).resolve().parents[2] / "demo" / "data" / "gazetteer.csv"
BASE_TIME = datetime(2025, 6, 2, 9, 0, tzinfo=timezone.utc)
_WORD = re.compile(r"[a-z0-9]+|[\u4e00-\u9fff]")


def char_tokens(text: str) -> str:
    """A model-free segmenter: one token per Chinese character, ASCII words whole."""
    return " ".join(_WORD.findall(text.lower()))


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings(None, home=tmp_path / "home", sources=[
        {"id": "forum", "kind": "discuz", "name": "南湖论坛", "boards": ["http://127.0.0.1:9/forum-2-1.html"]},
        {"id": "video", "kind": "douyin", "name": "短视频", "videos": ["7000000000000000001"]},
    ], search={"max_page_size": 50, "max_query_chars": 100})


@pytest.fixture
def runtime(settings) -> Iterator[Runtime]:
    runtime = Runtime.from_settings(settings)
    runtime.search = TantivyIndex(settings.index_dir, segment=char_tokens)
    yield runtime
    runtime.close()


@pytest.fixture
def app(runtime: Runtime):
    return create_app(runtime)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def keys(runtime: Runtime) -> dict[str, str]:
    """One key per role: {"viewer": secret, …}."""
    return {role: create_key(runtime.store, f"{role}-key", role) for role in ("viewer", "operator", "dispatch", "admin")}


@pytest.fixture
def auth(keys: dict[str, str]) -> Callable[[str], dict[str, str]]:
    return lambda role: {"Authorization": f"Bearer {keys[role]}"}


def add_post(runtime: Runtime, *, external_id: str, tag: dict[str, Any] | None = None,
             case_id: str | None = None, **fields: Any) -> int:
    """Store one post (and its tags) and index it; returns the post id."""
    now = BASE_TIME
    values = {"source_id": "forum", "kind": "reply", "title": "", "text": "", "published_at": now,
              "fetched_at": now, "content_hash": external_id, "extra": {}, **fields}
    with runtime.store.session() as session:
        kind = "douyin" if values["source_id"] == "video" else "discuz"
        runtime.store.ensure_source(session, values["source_id"], kind, now=now)
        post = Post(external_id=external_id, **values)
        session.add(post)
        session.flush()
        row = None
        if tag is not None:
            row = PostTag(post_id=post.id, is_complaint=tag.get("is_complaint", True), complaint_score=0.9,
                          appeal_type="complaint", level1=tag.get("level1"), level2=tag.get("level2"),
                          level3=tag.get("level3"), district=tag.get("district"), street=tag.get("street"),
                          place_id=tag.get("place_id"), place=tag.get("place"), urgency="normal",
                          tokens=char_tokens(f"{post.title} {post.text}"), tagger="test", tagged_at=now,
                          locations=[])
            session.add(row)
            session.flush()
        doc = to_search_doc(post, row, case_id)
        if row is None:
            doc = doc.model_copy(update={"tokens": char_tokens(f"{post.title} {post.text}")})
        post_id = post.id
    runtime.search.upsert([doc])
    runtime.search.commit()
    return post_id


@pytest.fixture
def forum_thread(runtime: Runtime) -> dict[str, int]:
    """A thread about a broken elevator with five floors; floor 3 holds a phone and an ID number."""
    ids = {}
    texts = ["小区电梯坏了三天，老人上不了楼", "我们楼也是，电梯一直停运", "物业电话13812345678打不通，身份证330402199001011234登记过",
             "今天还是没修好", "楼上楼下都在骂"]
    for floor, text in enumerate(texts, start=1):
        kind = "thread" if floor == 1 else "reply"
        ids[floor] = add_post(runtime, external_id=f"t100-{floor}" if floor > 1 else "t100", kind=kind,
                              title="中央城小区电梯坏了" if floor == 1 else "", text=text, floor=floor,
                              thread_external_id="t100", parent_external_id=None if floor == 1 else "t100",
                              author_id=f"u{floor}", author_name=f"居民{floor}",
                              published_at=BASE_TIME + timedelta(minutes=floor),
                              tag={"level1": "城乡建设", "level2": "物业管理", "district": "南湖区",
                                   "street": "新兴街道", "place_id": "p-zyc"})
    return ids


@pytest.fixture
def video_comments(runtime: Runtime) -> dict[str, int]:
    """A video, two comments under it and one reply to the first comment."""
    common = {"source_id": "video", "thread_external_id": "v1"}
    return {
        "video": add_post(runtime, external_id="v1", kind="video", title="南湖区道路积水", text="", **common),
        "c1": add_post(runtime, external_id="c1", kind="comment", text="这条路一下雨就积水", parent_external_id="v1",
                       published_at=BASE_TIME + timedelta(minutes=1), author_id="a1", **common),
        "c2": add_post(runtime, external_id="c2", kind="comment", text="排水太差了", parent_external_id="v1",
                       published_at=BASE_TIME + timedelta(minutes=2), author_id="a2", **common),
        "r1": add_post(runtime, external_id="r1", kind="comment_reply", text="同意，每次都淹", parent_external_id="c1",
                       published_at=BASE_TIME + timedelta(minutes=3), author_id="a3", **common),
    }


def add_case(runtime: Runtime, post_ids: list[int], *, case_id: str = "MS-20250602-0001",
             status: str = "new", title: str = "中央城小区 · 电梯故障") -> str:
    with runtime.store.session() as session:
        posts = [session.get(Post, pid) for pid in post_ids]
        session.add(Case(id=case_id, title=title, level1="城乡建设", level2="物业管理", place_id="p-zyc",
                         district="南湖区", status=status, post_count=len(posts), counted_posts=len(posts),
                         author_count=len(posts), source_count=1, first_seen=BASE_TIME, last_seen=BASE_TIME,
                         created_at=BASE_TIME, updated_at=BASE_TIME, flags={}))
        session.flush()
        for post in posts:
            session.add(CasePost(case_id=case_id, post_id=post.id, source_id=post.source_id, kind=post.kind,
                                 url=post.url, title=post.title, text=post.text, author_id=post.author_id,
                                 author_name=post.author_name, published_at=post.published_at,
                                 added_at=BASE_TIME))
    return case_id


def add_alert(runtime: Runtime, key: str, *, title: str = "同一点位 24 小时内 3 条诉求", case_id: str | None = None,
              type: str = "warning") -> int:
    now = datetime.now(timezone.utc)
    with runtime.store.session() as session:
        alert = Alert(key=key, type=type, level="warning", case_id=case_id, title=title, payload={"note": title},
                      created_at=now, event_time=now)
        session.add(alert)
        session.flush()
        return alert.id
