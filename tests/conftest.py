"""Fixtures every package's tests share: a throwaway monitor home and config."""
from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "wenzheng"
DEMO_GAZETTEER = REPO / "demo" / "data" / "gazetteer.csv"


@pytest.fixture
def shared_dir() -> Path:
    if not (SHARED / "messages.jsonl").is_file():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a config with its home under tmp_path; extra YAML is appended as given."""
    def make(extra: str = "", *, name: str = "minsheng.yaml") -> Path:
        path = tmp_path / name
        path.write_text(
            f"home: {tmp_path / 'home'}\n"
            f"gazetteer: {DEMO_GAZETTEER}\n"
            "nlp: {jurisdiction: 嘉兴市}\n" + extra,
            encoding="utf-8",
        )
        return path
    return make


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `minsheng ARGS` in-process; returns (exit code, stdout, stderr)."""
    from api.cli import main

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["minsheng", *args])
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def _server(env_name: str, starter: Callable[[], Any]) -> Iterator[str]:
    """The URL in ``env_name`` if set, else a throwaway local server (skip if none can start)."""
    given = os.environ.get(env_name)
    if given:
        yield given
        return
    try:
        with starter() as url:
            yield url
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A PostgreSQL database: MINSHENG_TEST_PG_URL, else a local server started for the session."""
    from tests.servers.local import postgres_server

    yield from _server("MINSHENG_TEST_PG_URL", postgres_server)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server: MINSHENG_TEST_REDIS_URL, else a local server started for the session."""
    from tests.servers.local import redis_server

    yield from _server("MINSHENG_TEST_REDIS_URL", redis_server)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The store's URL on each supported database; PostgreSQL gets a fresh schema per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.db"
        return
    from sqlalchemy import create_engine, text

    base = request.getfixturevalue("pg_url")
    name = f"t{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
