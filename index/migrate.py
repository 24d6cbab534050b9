"""Schema versioning through Alembic: every store opens at the newest revision.

A database made by an older version is upgraded in place; a brand-new one is built
by running the migrations from the start, so both paths are exercised the same way.
"""
from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


# Any fixed number works; it only has to be the same in every minsheng process.
_PG_LOCK_ID = 0x6D696E73


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Let one process at a time migrate a database.

    Two crawl workers (or a worker and the service) opening a brand-new database at
    once would otherwise both run the first migration and one would die on
    "table already exists".
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
            connection.commit()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade_to_head(engine: Engine) -> None:
    head = head_revision()
    if current_revision(engine) == head:
        return
    with migration_lock(engine):
        # Another process may have finished the upgrade while this one waited.
        if current_revision(engine) != head:
            command.upgrade(alembic_config(engine), "head")
