"""Shared fixtures for the crawler tests: saved pages, a demo forum, crawl configs."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scrapy.http import HtmlResponse

FIXTURES = Path(__file__).parent / "fixtures"
SMALL_GAZETTEER = Path(__file__).parents[1] / "demo" / "data" / "gazetteer_small.csv"
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def page() -> Callable[..., HtmlResponse]:
    """A saved page as a Scrapy response; ``headers`` may set Content-Type like a server would."""
    def load(name: str, url: str = "http://bbs.example.cn/forum.php", headers: dict | None = None) -> HtmlResponse:
        return HtmlResponse(url, body=(FIXTURES / name).read_bytes(), headers=headers or {})
    return load


@pytest.fixture
def now() -> datetime:
    """The moment relative times in the saved pages are resolved against."""
    return datetime(2025, 6, 3, 10, 0, tzinfo=CHINA)


@pytest.fixture
def small_gazetteer() -> Path:
    return SMALL_GAZETTEER


@pytest.fixture
def forum_factory(small_gazetteer: Path) -> Iterator[Callable[..., object]]:
    """Start demo forums on free 127.0.0.1 ports; all are stopped after the test."""
    from demo.forum import serve_forum
    from demo.forum.serve import make_state

    started = []

    def start(**options: object) -> object:
        options.setdefault("threads_per_hour", 0)
        options.setdefault("replies_per_hour", 0)
        options.setdefault("edits_per_hour", 0)
        state = make_state(small_gazetteer, None, **options)  # type: ignore[arg-type]
        server = serve_forum(0, state)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def crawl_settings(tmp_path: Path) -> Callable[..., object]:
    """Write a config for one discuz source over ``boards`` under a temp home; load it."""
    from api.settings import load_settings

    def make(boards: list[str], *, source_id: str = "hc", batch: int = 50, **source: object) -> object:
        import yaml

        config = {
            "home": str(tmp_path / "home"),
            "crawl": {"autothrottle": False, "concurrency_per_domain": 8, "ingest_batch_size": batch},
            "sources": [{"id": source_id, "kind": "discuz", "name": "禾城论坛", "area": "嘉兴市",
                         "boards": boards, "max_pages": 20, **source}],
        }
        path = tmp_path / f"{source_id}.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        return load_settings(path)

    return make


def expected_floors(state: object) -> dict[str, dict]:
    """Every public floor of a demo forum, keyed by the external id the crawler gives it."""
    expected = {}
    for board in state.boards.values():  # type: ignore[attr-defined]
        if board.spec.private:
            continue
        for tid in board.tids:
            thread = state.threads[tid]  # type: ignore[attr-defined]
            for index, floor in enumerate(thread.floors):
                key = f"t{tid}" if index == 0 else f"p{floor.pid}"
                expected[key] = {"text": floor.text, "author": floor.author, "published_at": floor.posted_at,
                                 "kind": "thread" if index == 0 else "reply", "floor": index + 1,
                                 "title": thread.subject if index == 0 else ""}
    return expected


def stored_posts(settings: object, source_id: str = "hc") -> list[object]:
    """All stored posts of a source."""
    from sqlalchemy import select

    from index.models import Post
    from index.store import Store

    store = Store(settings.effective_database_url)  # type: ignore[attr-defined]
    try:
        with store.session() as session:
            return list(session.scalars(select(Post).where(Post.source_id == source_id)))
    finally:
        store.close()
