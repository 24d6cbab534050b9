"""The store: migrations build the schema, old databases open, models match migrations."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

from index.migrate import alembic_config, current_revision, head_revision
from index.models import Base, CrawlState
from index.store import Store

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=timezone.utc)


def test_new_store_is_at_head_in_wal_mode(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/m.db")
    assert current_revision(store.engine) == head_revision()
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_models_and_migrations_agree(store_url: str) -> None:
    store = Store(store_url)
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == [], f"models changed without a migration: {diff}"
    store.close()


def test_database_from_every_older_revision_opens(tmp_path: Path) -> None:
    revisions = [rev.revision for rev in ScriptDirectory.from_config(alembic_config()).walk_revisions()]
    for revision in reversed(revisions):
        url = f"sqlite:///{tmp_path}/at-{revision}.db"
        engine = create_engine(url)
        command.upgrade(alembic_config(engine), revision)
        engine.dispose()
        store = Store(url)
        assert current_revision(store.engine) == head_revision()
        assert "posts" in inspect(store.engine).get_table_names()
        store.close()


def test_times_come_back_aware_utc(store_url: str) -> None:
    store = Store(store_url)
    run_id = store.start_run("s1", "discuz", trigger="manual", pid=None, now=NOW)
    store.finish_run(run_id, status="ok", now=NOW, counters={"pages": 2, "items": 5})
    from index.models import CrawlRun

    with store.session() as session:
        run = session.get(CrawlRun, run_id)
        assert run.started_at == NOW and run.started_at.tzinfo is not None
        assert (run.pages, run.items, run.status) == (2, 5, "ok")
    store.close()


def test_crawl_state_round_trip(store_url: str) -> None:
    store = Store(store_url)
    store.start_run("s1", "discuz", trigger="manual", pid=None, now=NOW)
    with store.session() as session:
        store.put_state(session, "s1", "thread:9", {"replies": 3, "last_pid": 40}, now=NOW)
    with store.session() as session:
        store.put_state(session, "s1", "thread:9", {"replies": 4, "last_pid": 41}, now=NOW)
    assert store.get_state("s1", "thread:9") == {"replies": 4, "last_pid": 41}
    assert store.get_states("s1", "thread:") == {"thread:9": {"replies": 4, "last_pid": 41}}
    assert store.get_state("s1", "thread:10") is None
    # One statement per save: a row already loaded in the session is read fresh after it.
    with store.session() as session:
        loaded = session.get(CrawlState, ("s1", "thread:9"))
        store.put_state(session, "s1", "thread:9", {"replies": 5}, now=NOW)
        store.put_state(session, "s1", "thread:9", {"replies": 6}, now=NOW)
        assert session.get(CrawlState, ("s1", "thread:9")).value == {"replies": 6} == loaded.value
    store.close()


def _open_store(url: str) -> str | None:
    store = Store(url)
    try:
        return current_revision(store.engine)
    finally:
        store.engine.dispose()


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path: Path) -> None:
    # Two crawl workers starting together on a fresh home used to race on the first
    # migration and one died with "table already exists".
    from concurrent.futures import ProcessPoolExecutor

    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    with ProcessPoolExecutor(max_workers=4) as pool:
        revisions = list(pool.map(_open_store, [url] * 4))
    assert revisions == [head_revision()] * 4
