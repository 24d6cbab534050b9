"""Saved searches on the embedded engine: match a new ingest batch, not the whole index.

Each batch goes into a throw-away in-memory tantivy index with the production
schema; every saved query then runs against those few posts only. The cost is
(saved searches × batch size), independent of how many posts are already stored,
and the query semantics are exactly the main index's (same compiler, same schema).
"""
from __future__ import annotations

import logging

import tantivy

from index.search.base import Filters, SearchDoc
from index.search.query import QueryError, Segmenter, compile_query
from index.search.tantivy_query import combine, filter_queries, text_query, within_radius
from index.search.tantivy_schema import build_schema, to_document

log = logging.getLogger(__name__)
SavedSearch = tuple[int, str, Filters]  # (saved search id, staff query, filters)


class SavedSearchMatcher:
    """``match(docs, saved) -> [(saved_id, doc_id)]``: which saved searches each new post hits."""

    def __init__(self, segment: Segmenter, max_query_chars: int = 500) -> None:
        self.segment = segment
        self.max_query_chars = max_query_chars
        self.schema = build_schema()

    def _batch_index(self, docs: list[SearchDoc]) -> tantivy.Searcher:
        index = tantivy.Index(self.schema)  # no path: lives in RAM, gone after the batch
        writer = index.writer(15_000_000, 1)
        for doc in docs:
            writer.delete_documents_by_term("id", doc.id)  # a post twice in a batch: keep the last
            writer.add_document(to_document(doc))
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        return index.searcher()

    def match(self, docs: list[SearchDoc], saved: list[SavedSearch]) -> list[tuple[int, int]]:
        """Pairs (saved_id, doc_id), ordered by saved id then post id.

        A saved query that no longer parses (saved under older rules) is skipped with
        a warning rather than failing the ingest batch it is checked against.
        """
        if not docs or not saved:
            return []
        searcher = self._batch_index(docs)
        limit = len(docs)
        pairs: list[tuple[int, int]] = []
        for saved_id, text, filters in saved:
            try:
                node = compile_query(text, self.segment, self.max_query_chars)
            except QueryError as exc:
                log.warning("saved search %s skipped: %s", saved_id, exc)
                continue
            query = combine(text_query(node, self.schema), filter_queries(filters, self.schema))
            if filters.geo is not None:
                query = within_radius(searcher, self.schema, query, filters.geo)
            addresses = [address for _score, address in searcher.search(query, limit, count=False).hits]
            if addresses:
                ids = searcher.fast_field_values("id", addresses)
                pairs.extend((saved_id, int(doc_id)) for doc_id in ids)
        return sorted(set(pairs))
