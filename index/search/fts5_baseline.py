"""The benchmark baseline: SQLite FTS5 over the same pre-segmented tokens.

A contentless FTS5 table indexes ``tokens`` (unicode61 splits on the spaces, as
our whitespace analyzers do) and a plain table holds the filter and facet columns;
a search is MATCH + filters for the top hits by bm25, a count and a facet GROUP BY:
what a store-only deployment would have to run for the same staff query.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from index.search.base import SearchDoc
from index.search.indexing import prepare

_SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (id INTEGER PRIMARY KEY, published_at INTEGER NOT NULL,
    district TEXT, level1 TEXT, level2 TEXT, title TEXT, text TEXT);
CREATE INDEX IF NOT EXISTS ix_posts_district_time ON posts (district, published_at);
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(tokens, content='', tokenize='unicode61');
"""
_SHANGHAI_SECONDS = 8 * 3600


def _match(words: list[str]) -> str:
    # Quote every word: FTS5 would otherwise read some of them as operators.
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in words)


class Fts5Baseline:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)
        self.db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;" + _SCHEMA)

    def add(self, docs: list[SearchDoc]) -> None:
        """Insert one batch in one transaction."""
        prepared = [prepare(d) for d in docs]
        with self.db:
            self.db.executemany(
                "INSERT INTO posts VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(d.id, int(d.published_at.timestamp()), d.district, d.level1, d.level2, d.title, d.text)
                 for d in prepared])
            self.db.executemany("INSERT INTO posts_fts (rowid, tokens) VALUES (?, ?)",
                                [(d.id, d.tokens) for d in prepared])

    def _where(self, district: str | None, since: int, until: int) -> tuple[str, list[Any]]:
        sql = "posts_fts MATCH ? AND p.published_at >= ? AND p.published_at < ?"
        params: list[Any] = [since, until]
        if district:
            sql += " AND p.district = ?"
            params.append(district)
        return sql, params

    def search(self, words: list[str], district: str | None, since: int, until: int, size: int = 20) -> dict[str, Any]:
        """Top hits by bm25, the total, and level1/level2 facets: the same work as the engines."""
        where, params = self._where(district, since, until)
        params = [_match(words), *params]
        base = f"FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid WHERE {where}"
        hits = self.db.execute(f"SELECT p.id, p.title, p.text {base} ORDER BY bm25(posts_fts) LIMIT ?",
                               [*params, size]).fetchall()
        total = self.db.execute(f"SELECT count(*) {base}", params).fetchone()[0]
        facets = {f: self.db.execute(f"SELECT p.{f}, count(*) AS n {base} GROUP BY p.{f} ORDER BY n DESC LIMIT 20",
                                     params).fetchall() for f in ("level1", "level2")}
        return {"hits": hits, "total": total, "facets": facets}

    def trend(self, words: list[str], district: str | None, since: int, until: int) -> list[tuple[int, int]]:
        """Posts per Shanghai day."""
        where, params = self._where(district, since, until)
        return self.db.execute(
            f"SELECT (p.published_at + {_SHANGHAI_SECONDS}) / 86400 AS day, count(*) "
            f"FROM posts_fts JOIN posts p ON p.id = posts_fts.rowid WHERE {where} GROUP BY day ORDER BY day",
            [_match(words), *params]).fetchall()

    def size_bytes(self) -> int:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in self.path.parent.glob(self.path.name + "*"))

    def close(self) -> None:
        self.db.close()
