"""The store: a SQLAlchemy engine with its schema kept at the newest migration.

SQLite (WAL mode, under ``home``) by default; PostgreSQL through the same code when
``database_url`` says ``postgresql+psycopg://…``.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from index.migrate import upgrade_to_head
from index.models import CrawlRun, CrawlState, Source


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while a crawl subprocess writes; busy_timeout rides out
    # the short write locks two processes take in turn.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    """Opens (and migrates) the database; hands out sessions."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade_to_head(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- sources ----------------------------------------------------------------------
    def ensure_source(self, session: Session, source_id: str, kind: str, name: str = "",
                      area: str | None = None, *, now: datetime) -> Source:
        source = session.get(Source, source_id)
        if source is None:
            source = Source(id=source_id, kind=kind, name=name or source_id, area=area, created_at=now)
            session.add(source)
            session.flush()
        elif (source.kind, source.name, source.area) != (kind, name or source.name, area):
            source.kind, source.name, source.area = kind, name or source.name, area
        return source

    # -- incremental crawl state ---------------------------------------------------------
    def get_state(self, source_id: str, key: str) -> dict[str, Any] | None:
        with self.session() as session:
            row = session.get(CrawlState, (source_id, key))
            return dict(row.value) if row else None

    def get_states(self, source_id: str, prefix: str = "") -> dict[str, dict[str, Any]]:
        with self.session() as session:
            rows = session.scalars(select(CrawlState).where(
                CrawlState.source_id == source_id, CrawlState.key.startswith(prefix)))
            return {row.key: dict(row.value) for row in rows}

    def put_state(self, session: Session, source_id: str, key: str, value: dict[str, Any],
                  *, now: datetime) -> None:
        """Insert or update in one statement.

        Crawl workers sharing a frontier may save the same key at the same moment; a
        read-then-insert would let both insert and one fail on the primary key.
        """
        insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(CrawlState).values(source_id=source_id, key=key, value=value, updated_at=now)
        session.execute(statement.on_conflict_do_update(
            index_elements=["source_id", "key"],
            set_={"value": statement.excluded.value, "updated_at": statement.excluded.updated_at}))
        cached = session.identity_map.get(identity_key(CrawlState, (source_id, key)))
        if cached is not None:
            session.expire(cached)  # the statement bypassed the ORM: reload on next read

    # -- crawl runs ----------------------------------------------------------------------
    def start_run(self, source_id: str, kind: str, *, trigger: str, pid: int | None,
                  now: datetime, name: str = "", area: str | None = None) -> int:
        with self.session() as session:
            self.ensure_source(session, source_id, kind, name, area, now=now)
            run = CrawlRun(source_id=source_id, started_at=now, trigger=trigger, pid=pid,
                           status="running", stats={})
            session.add(run)
            session.flush()
            return run.id

    def finish_run(self, run_id: int, *, status: str, now: datetime, counters: dict[str, int],
                   stats: dict[str, Any] | None = None, message: str | None = None) -> None:
        with self.session() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                return
            run.status, run.finished_at, run.message = status, now, message
            for field in ("pages", "items", "new_posts", "updated_posts", "errors"):
                if field in counters:
                    setattr(run, field, int(counters[field]))
            if stats is not None:
                run.stats = stats
