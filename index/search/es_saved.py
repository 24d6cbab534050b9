"""Saved searches on Elasticsearch: the percolator, with the embedded matcher as fallback.

Saved queries are stored (rendered to DSL) in a percolator index next to the posts;
each ingest batch is percolated in one request. Servers without the percolator
(the test emulator, some managed offerings) are detected on first use and served
by the embedded :class:`SavedSearchMatcher`, which gives the same answers.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from elasticsearch import ApiError, Elasticsearch

from index.search.base import Filters, SearchBackendError, SearchDoc
from index.search.es_mapping import percolate_source, percolator_mapping
from index.search.es_query import full_dsl
from index.search.indexing import prepare
from index.search.query import QueryError, Segmenter, compile_query
from index.search.saved import SavedSearch, SavedSearchMatcher

log = logging.getLogger(__name__)


class Percolator:
    """Keeps the percolator index in step with the saved searches and percolates batches."""

    def __init__(self, client: Elasticsearch, alias: str, settings: dict[str, Any], segment: Segmenter) -> None:
        self.client, self.alias, self.settings, self.segment = client, alias, settings, segment
        self.fallback = SavedSearchMatcher(segment)
        self.supported: bool | None = None  # unknown until the first percolation
        self._registered: dict[int, str] = {}  # saved id → fingerprint of what is stored

    def _ensure_index(self) -> None:
        if not self.client.indices.exists_alias(name=self.alias):
            self.client.indices.create(index=f"{self.alias}-v1", settings=self.settings,
                                       mappings=percolator_mapping(), aliases={self.alias: {}})

    def sync(self, saved: list[SavedSearch]) -> None:
        """Store new or changed saved queries; forget removed ones. Refreshes once."""
        wanted: dict[int, dict[str, Any]] = {}
        for saved_id, text, filters in saved:
            try:
                node = compile_query(text, self.segment)
            except QueryError as exc:
                log.warning("saved search %s skipped: %s", saved_id, exc)
                continue
            wanted[saved_id] = {"query": full_dsl(node, filters), "saved_id": saved_id}
        fingerprints = {sid: hashlib.sha1(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
                        for sid, body in wanted.items()}
        changed = [sid for sid, fp in fingerprints.items() if self._registered.get(sid) != fp]
        removed = [sid for sid in self._registered if sid not in wanted]
        if not changed and not removed:
            return
        self._ensure_index()
        for sid in changed:
            self.client.index(index=self.alias, id=str(sid), document=wanted[sid])
        for sid in removed:
            self.client.options(ignore_status=404).delete(index=self.alias, id=str(sid))
        self.client.indices.refresh(index=self.alias)
        self._registered = fingerprints

    def _percolate(self, docs: list[SearchDoc], wanted: set[int]) -> list[tuple[int, int]]:
        prepared = [prepare(doc) for doc in docs]
        found = self.client.search(
            index=self.alias, size=max(len(wanted), 1), source=["saved_id"],
            query={"percolate": {"field": "query", "documents": [percolate_source(d) for d in prepared]}},
        ).body
        pairs: set[tuple[int, int]] = set()
        for hit in found["hits"]["hits"]:
            saved_id = int(hit["_source"]["saved_id"])
            slots = hit.get("fields", {}).get("_percolator_document_slot", [0] if len(prepared) == 1 else [])
            if saved_id in wanted:  # queries stored by an older process, since deleted
                pairs.update((saved_id, prepared[slot].id) for slot in slots)
        return sorted(pairs)

    def match(self, docs: list[SearchDoc], saved: list[SavedSearch]) -> list[tuple[int, int]]:
        if not docs or not saved:
            return []
        if self.supported is False:
            return self.fallback.match(docs, saved)
        try:
            self.sync(saved)
            pairs = self._percolate(docs, {sid for sid, _text, _filters in saved})
        except ApiError as exc:
            if exc.status_code == 400 and "percolat" in str(exc):
                log.warning("%s has no percolator; matching saved searches in process", self.alias)
                self.supported = False
                return self.fallback.match(docs, saved)
            raise SearchBackendError(f"elasticsearch percolate: {exc.status_code} {exc.message}") from None
        self.supported = True
        return pairs

    def destroy(self) -> None:
        self.client.options(ignore_status=404).indices.delete(index=f"{self.alias}-v1")
        self._registered = {}
