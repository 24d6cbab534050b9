"""The embedded search engine: a tantivy index under ``$MINSHENG_HOME/index``.

The writer is opened lazily on the first write (the API process only reads) and, by
default, released after each ``commit``: several crawl subprocesses ingest at once, and
tantivy allows one writer per index, so they take turns batch by batch, each waiting
up to ``writer_wait_s`` for the lock. ``commit`` ends an ingest batch and makes it visible. Facets and trends
go through tantivy's Elasticsearch-style aggregation API.
"""
from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import tantivy
from tantivy import Order

from index.search.aggregations import INTERVALS, fill_buckets, terms_from_buckets
from index.search.base import (
    FacetField, Filters, Hit, SearchBackendError, SearchDoc, SearchQuery, SearchResult, TrendBucket,
)
from index.search.highlight import highlight
from index.search.query import Node, Segmenter, check_window, compile_query, positive_tokens
from index.search.saved import SavedSearchMatcher
from index.search.tantivy_query import combine, filter_queries, text_query, within_radius
from index.search.tantivy_schema import SCHEMA_VERSION, build_schema, from_stored, to_document

class TantivyIndex:
    """SearchIndex on tantivy. ``segment`` is the project's query segmenter (jieba in production)."""

    def __init__(self, path: Path, segment: Segmenter, *, heap_bytes: int = 256_000_000,
                 threads: int = 0, facet_size: int = 20, max_query_chars: int = 500,
                 release_after_commit: bool = True, writer_wait_s: float = 120.0) -> None:
        self.path = Path(path)
        self.segment = segment
        self.heap_bytes, self.threads = heap_bytes, threads
        self.facet_size, self.max_query_chars = facet_size, max_query_chars
        self.release_after_commit, self.writer_wait_s = release_after_commit, writer_wait_s
        self.schema = build_schema()
        self.path.mkdir(parents=True, exist_ok=True)
        marker = self.path / "minsheng-schema"
        if marker.exists() and marker.read_text().strip() != str(SCHEMA_VERSION):
            raise SearchBackendError(f"{self.path}: index has schema {marker.read_text().strip()}, "
                                     f"this version needs {SCHEMA_VERSION}; run `minsheng reindex`")
        try:
            self.index = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        except (OSError, ValueError) as exc:
            raise SearchBackendError(f"{self.path}: cannot open the search index ({exc})") from None
        if not marker.exists():
            marker.write_text(str(SCHEMA_VERSION))
        self._matcher = SavedSearchMatcher(segment, max_query_chars)
        self._writer: tantivy.IndexWriter | None = None
        self._lock = threading.Lock()

    def _searcher(self) -> tantivy.Searcher:
        # Other processes (crawls) commit to the same index: pick up their segments.
        self.index.reload()
        return self.index.searcher()

    # -- writes -------------------------------------------------------------------------
    def _get_writer(self) -> tantivy.IndexWriter:
        if self._writer is not None:
            return self._writer
        deadline, pause = time.monotonic() + self.writer_wait_s, 0.05
        while True:
            try:
                self._writer = self.index.writer(self.heap_bytes, self.threads)
                return self._writer
            except ValueError as exc:  # another process holds the index's writer lock
                if time.monotonic() >= deadline:
                    raise SearchBackendError(f"{self.path}: the search index stayed locked by another "
                                             f"process for {self.writer_wait_s:.0f}s ({exc})") from None
                time.sleep(pause)
                pause = min(pause * 2, 1.0)

    def upsert(self, docs: list[SearchDoc]) -> None:
        """Add or replace posts by id; visible after ``commit``."""
        converted = [(doc.id, to_document(doc)) for doc in docs]  # all or none reach the writer
        with self._lock:
            writer = self._get_writer()
            for doc_id, document in converted:
                writer.delete_documents_by_term("id", doc_id)
                writer.add_document(document)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Keep one writer across commits while loading many batches (reindex, bench).

        Normally each commit waits for merges and hands the writer lock back, so crawl
        processes can write in between; a bulk load holds it and merges in the background.
        """
        release, self.release_after_commit = self.release_after_commit, False
        try:
            yield
        finally:
            self.release_after_commit = release
            with self._lock:
                if self._writer is not None and release:
                    self._writer.wait_merging_threads()
                    self._writer = None

    def delete(self, ids: list[int]) -> None:
        with self._lock:
            writer = self._get_writer()
            for doc_id in ids:
                writer.delete_documents_by_term("id", int(doc_id))

    def commit(self) -> None:
        with self._lock:
            if self._writer is not None:
                self._writer.commit()
                if self.release_after_commit:
                    self._writer.wait_merging_threads()
                    self._writer = None
        self.index.reload()

    def clear(self) -> None:
        with self._lock:
            self._get_writer().delete_all_documents()
        self.commit()

    def reindex(self, docs: Iterable[SearchDoc], batch_size: int = 10_000) -> int:
        """Replace the whole index with ``docs``; readers see the old one until the end.

        tantivy commits are atomic, so deleting everything and adding the new set
        under one commit is a zero-downtime rebuild.
        """
        count = 0
        batch: list[SearchDoc] = []
        with self._lock:
            self._get_writer().delete_all_documents()
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                self._add_fresh(batch)
                count, batch = count + len(batch), []
        self._add_fresh(batch)
        self.commit()
        return count + len(batch)

    def _add_fresh(self, docs: list[SearchDoc]) -> None:
        # After delete_all there is nothing to replace; skip the per-id deletes.
        converted = [to_document(doc) for doc in docs]
        with self._lock:
            writer = self._get_writer()
            for document in converted:
                writer.add_document(document)

    # -- reads --------------------------------------------------------------------------
    def _compile(self, text: str | Node, filters: Filters | None, searcher: tantivy.Searcher) -> tuple[Node, tantivy.Query]:
        node = compile_query(text, self.segment, self.max_query_chars) if isinstance(text, str) else text
        filters = filters or Filters()
        query = combine(text_query(node, self.schema), filter_queries(filters, self.schema))
        if filters.geo is not None:
            query = within_radius(searcher, self.schema, query, filters.geo)
        return node, query

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        check_window(query.page, query.size)
        searcher = self._searcher()
        node, compiled = self._compile(query.query, query.filters, searcher)
        offset = (query.page - 1) * query.size
        if query.sort == "time":
            found = searcher.search(compiled, query.size, count=True, order_by_field="time_key",
                                    offset=offset, order=Order.Desc)
        else:
            found = searcher.search(compiled, query.size, count=True, offset=offset)
        tokens = positive_tokens(node)
        hits = []
        for score, address in found.hits:
            doc = from_stored(searcher.doc(address).to_dict())
            score = float(score) if query.sort == "relevance" else 0.0
            hits.append(Hit(id=doc.id, score=score, doc=doc,
                            highlights=highlight(doc, tokens) if query.highlight else {}))
        facets = self._facets(searcher, compiled, list(query.facets), self.facet_size) if query.facets else {}
        return SearchResult(total=found.count or 0, hits=hits, facets=facets,
                            took_ms=(time.perf_counter() - started) * 1000)

    def _facets(self, searcher: tantivy.Searcher, compiled: tantivy.Query, fields: list[str], size: int) -> dict[str, list[tuple[str, int]]]:
        # A generous per-segment size keeps counts exact across segments (top-k merge error).
        aggs = {f: {"terms": {"field": f, "size": size * 5 + 10, "segment_size": max(1000, size * 50)}} for f in fields}
        result = searcher.aggregate(compiled, aggs)
        return {f: terms_from_buckets(result.get(f, {}).get("buckets", []), size) for f in fields}

    def count(self, query: str = "", filters: Filters | None = None) -> int:
        searcher = self._searcher()
        _node, compiled = self._compile(query, filters, searcher)
        return searcher.search(compiled, 1, count=True).count or 0

    def terms(self, field: FacetField, query: str = "", filters: Filters | None = None, size: int = 10) -> list[tuple[str, int]]:
        searcher = self._searcher()
        _node, compiled = self._compile(query, filters, searcher)
        return self._facets(searcher, compiled, [field], size)[field]

    def date_histogram(self, query: str, filters: Filters | None, interval: Literal["hour", "day"]) -> list[TrendBucket]:
        if interval not in INTERVALS:
            raise ValueError(f"interval must be 'hour' or 'day', not {interval!r}")
        searcher = self._searcher()
        _node, compiled = self._compile(query, filters, searcher)
        # offset -8h puts bucket edges on Shanghai midnight (16:00 UTC); a no-op for hours.
        agg = {"trend": {"date_histogram": {"field": "published_at", "min_doc_count": 1,
                                            "fixed_interval": "1d" if interval == "day" else "1h",
                                            "offset": "-8h" if interval == "day" else "0h"}}}
        buckets = searcher.aggregate(compiled, agg).get("trend", {}).get("buckets", [])
        counts = {int(b["key"]): int(b["doc_count"]) for b in buckets}
        filters = filters or Filters()
        return fill_buckets(counts, interval, filters.since, filters.until)

    def match_saved(self, docs: list[SearchDoc], saved: list[tuple[int, str, Filters]]) -> list[tuple[int, int]]:
        """(saved_id, doc_id) for every saved search a new post matches (batch-only index)."""
        return self._matcher.match(docs, saved)

    def health(self) -> dict[str, Any]:
        try:
            searcher = self._searcher()
            return {"backend": "tantivy", "ok": True, "docs": searcher.num_docs,
                    "segments": searcher.num_segments, "path": str(self.path),
                    "size_bytes": sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())}
        except (OSError, ValueError) as exc:
            return {"backend": "tantivy", "ok": False, "error": str(exc), "path": str(self.path)}

    def close(self) -> None:
        """Drop the writer (uncommitted changes are discarded) and let merges finish."""
        with self._lock:
            if self._writer is not None:
                self._writer.rollback()
                self._writer.wait_merging_threads()
                self._writer = None

    def destroy(self) -> None:
        """Close and delete the index directory (tests, `minsheng reindex --fresh`)."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)
