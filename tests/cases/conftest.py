"""Shared fixtures for the case engine: a temp SQLite store and a post factory."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

import jieba
import pytest

from cases.config import DEFAULT_RULES, MatchConfig, RuleConfig, SlaConfig, WebhookConfig
from cases.engine import CaseEngine
from index.models import Post, PostTag, Source
from index.store import Store

NOW = datetime(2024, 5, 20, 4, 0, tzinfo=timezone.utc)  # 12:00 in Asia/Shanghai, a Monday

CROSSING = {"id": "jx-nh-x-0001", "name": "南溪路与双溪路交叉口", "type": "intersection", "city": "嘉兴市",
            "district": "南湖区", "street": "新兴街道", "lat": 30.7461, "lon": 120.7555}
COMPOUND = {"id": "jx-nh-c-0042", "name": "梅湾小区", "type": "compound", "city": "嘉兴市",
            "district": "南湖区", "street": "建设街道", "lat": 30.7602, "lon": 120.7590}
ROADS = ("城乡建设", "城市建设和市政管理", "市政设施")
SANITATION = ("城乡建设", "城市建设和市政管理", "园林绿化环卫")
NOISE = ("环境保护", "噪音污染", "施工噪音")


class PostFactory:
    """Builds flushed Post + PostTag rows the way ingest leaves them."""

    def __init__(self) -> None:
        self._ids = count(1)

    def __call__(self, session: Any, text: str, *, at: datetime, author: str | None = "u1",
                 place: dict | None = CROSSING, category: tuple[str, str, str] = ROADS,
                 source: str = "forum", source_kind: str = "discuz", kind: str = "thread",
                 title: str = "", complaint: bool = True, urgency: str = "normal",
                 district: str | None = None, coords: bool = True) -> tuple[Post, PostTag]:
        number = next(self._ids)
        _ensure_source(session, source, source_kind)
        post = Post(source_id=source, external_id=f"{source}-{number}", kind=kind, title=title, text=text,
                    author_id=author, author_name=f"网友{author}" if author else None,
                    url=f"https://example.org/{source}/{number}", published_at=at, fetched_at=at,
                    content_hash=f"h{number}", extra={})
        session.add(post)
        session.flush()
        level1, level2, level3 = category
        tag = PostTag(post_id=post.id, is_complaint=complaint, complaint_score=0.9 if complaint else 0.1,
                      appeal_type="complaint" if complaint else "none", level1=level1, level2=level2,
                      level3=level3, category_score=0.8, locations=[], place_id=place["id"] if place else None,
                      place=dict(place) if place else None,
                      district=(place or {}).get("district") or district, street=(place or {}).get("street"),
                      lat=place.get("lat") if place and coords else None,
                      lon=place.get("lon") if place and coords else None,
                      urgency=urgency, tokens=" ".join(jieba.lcut(f"{title} {text}")), tagger="test",
                      tagged_at=at)
        if place:
            tag.locations = [{"text": place["name"], "start": 0, "end": len(place["name"]), "type": place["type"],
                              "resolved": dict(place)}]
        session.add(tag)
        session.flush()
        return post, tag


def _ensure_source(session: Any, source_id: str, kind: str) -> None:
    if session.get(Source, source_id) is None:
        session.add(Source(id=source_id, kind=kind, name=source_id, created_at=NOW - timedelta(days=400)))
        session.flush()


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path}/t.db")
    yield store
    store.close()


@pytest.fixture
def make_post() -> PostFactory:
    return PostFactory()


def default_rules() -> list[RuleConfig]:
    return [RuleConfig(**rule) for rule in DEFAULT_RULES]


@pytest.fixture
def engine_factory():
    """CaseEngine with the district defaults unless a test says otherwise."""
    def build(rules: list[RuleConfig] | None = None, match: MatchConfig | None = None,
              sla: SlaConfig | None = None, webhooks: list[WebhookConfig] | None = None) -> CaseEngine:
        return CaseEngine(default_rules() if rules is None else rules, match or MatchConfig(), sla or SlaConfig(),
                          webhooks=webhooks or [])
    return build


@pytest.fixture(scope="session", autouse=True)
def _jieba_quiet() -> None:
    jieba.setLogLevel(60)
    jieba.initialize()


class Receiver:
    """A real webhook receiver on 127.0.0.1: verifies signatures, dedups by key.

    ``fail_first`` answers 503 to that many requests; ``delay_s`` holds each
    request open (to kill a dispatcher mid-delivery).
    """

    def __init__(self, secret: str, port: int | None = None, delay_s: float = 0.0) -> None:
        import socket
        self.secret, self.delay_s = secret, delay_s
        self.requests: list[dict] = []  # every request, duplicates included
        self.accepted: list[dict] = []  # first arrival per key, in arrival order
        self.bad_signatures = 0
        self.fail_next = 0
        if port is None:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        self.port = port
        self.url = f"http://127.0.0.1:{port}/hook"
        self._server = None
        self._thread = None

    def start(self) -> "Receiver":
        import http.server
        import json
        import threading
        import time

        from cases.delivery import verify_signature
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                key = self.headers.get("Idempotency-Key")
                valid = verify_signature(body, self.headers.get("X-Minsheng-Signature"), receiver.secret)
                entry = {"key": key, "valid": valid, "body": json.loads(body)}
                receiver.requests.append(entry)
                if not valid:
                    receiver.bad_signatures += 1
                    status = 401
                elif receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    status = 503
                else:
                    if key not in {a["key"] for a in receiver.accepted}:
                        receiver.accepted.append(entry)
                    status = 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def build(secret: str = "s3cret", **kwargs: Any) -> Receiver:
        made.append(Receiver(secret, **kwargs))
        return made[-1]
    yield build
    for item in made:
        item.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def new_store(request: pytest.FixtureRequest, tmp_path):
    """Builds fresh stores on each supported database (on PostgreSQL, a new database each)."""
    import uuid

    from sqlalchemy import create_engine, text
    made: list[Store] = []
    databases: list[str] = []
    base = request.getfixturevalue("pg_url") if request.param == "postgres" else None

    def build() -> Store:
        if base is None:
            url = f"sqlite:///{tmp_path}/store{len(made)}.db"
        else:
            name = f"c{uuid.uuid4().hex[:12]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            databases.append(name)
            url = base.rsplit("/", 1)[0] + "/" + name
        made.append(Store(url))
        return made[-1]
    yield build
    for item in made:
        item.close()
    if base is not None and databases:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in databases:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
