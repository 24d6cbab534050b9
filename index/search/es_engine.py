"""The Elasticsearch engine, for when one machine is outgrown.

Posts live in a versioned index (``minsheng-posts-v1``, ``-v2`` …) behind the alias
``minsheng-posts``; readers and writers only ever use the alias, so a rebuild can
load ``v(N+1)`` and swap the alias atomically (``reindex_from``). Refresh happens
only where asked (``refresh_on_commit``, ``refresh()``), as Elasticsearch's own
1-second refresh is what production wants.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from elasticsearch import ApiError, Elasticsearch, TransportError, helpers

from index.search.aggregations import INTERVALS, SHANGHAI_OFFSET, fill_buckets, terms_from_buckets
from index.search.base import (
    FacetField, Filters, Hit, SearchBackendError, SearchDoc, SearchQuery, SearchResult, TrendBucket,
)
from index.search.es_mapping import from_source, index_settings, posts_mapping, to_source
from index.search.es_query import full_dsl
from index.search.es_saved import Percolator
from index.search.highlight import highlight
from index.search.indexing import prepare
from index.search.query import Node, Segmenter, check_window, compile_query, positive_tokens


@contextmanager
def backend_errors(what: str) -> Iterator[None]:
    """Turn client exceptions into one-line SearchBackendErrors naming the operation."""
    try:
        yield
    except ApiError as exc:
        raise SearchBackendError(f"elasticsearch {what}: {exc.status_code} {exc.message}") from None
    except TransportError as exc:
        raise SearchBackendError(f"elasticsearch {what}: {type(exc).__name__}: {exc.message}") from None


class ElasticIndex:
    """SearchIndex on Elasticsearch (or an API-compatible server)."""

    def __init__(self, url: str, index_name: str = "minsheng-posts", *, segment: Segmenter,
                 client: Elasticsearch | None = None, shards: int = 1, replicas: int = 1,
                 refresh_on_commit: bool = False, max_retries: int = 5, initial_backoff: float = 1.0,
                 chunk_size: int = 1000, facet_size: int = 20, max_query_chars: int = 500,
                 request_timeout: float = 30.0) -> None:
        # compatible-with=8 is understood by Elasticsearch 8 and 9 alike, so the 9.x
        # client also talks to an 8.x cluster (and to the test emulator).
        compat = "application/vnd.elasticsearch+json; compatible-with=8"
        self.client = client or Elasticsearch(url, request_timeout=request_timeout,
                                              headers={"accept": compat, "content-type": compat})
        self.url, self.alias, self.segment = url, index_name, segment
        self.shards, self.replicas = shards, replicas
        self.refresh_on_commit = refresh_on_commit
        self.max_retries, self.initial_backoff, self.chunk_size = max_retries, initial_backoff, chunk_size
        self.facet_size, self.max_query_chars = facet_size, max_query_chars
        self.percolator = Percolator(self.client, f"{index_name}-saved", index_settings(shards, replicas), segment)
        self._ensure_alias()

    # -- layout -------------------------------------------------------------------------
    def _versions(self) -> list[int]:
        with backend_errors("list indices"):
            names = self.client.indices.get(index=f"{self.alias}-v*", allow_no_indices=True,
                                            ignore_unavailable=True).body
        prefix = f"{self.alias}-v"
        return sorted(int(n[len(prefix):]) for n in names if n.startswith(prefix) and n[len(prefix):].isdigit())

    def _targets(self) -> list[str]:
        with backend_errors("read alias"):
            found = self.client.options(ignore_status=404).indices.get_alias(name=self.alias).body
        return [name for name in found if name.startswith(f"{self.alias}-v")]

    def _create(self, name: str, *, bulk_loading: bool = False, with_alias: bool = False) -> None:
        settings = index_settings(self.shards, 0 if bulk_loading else self.replicas)
        if bulk_loading:
            settings["refresh_interval"] = "-1"  # no refreshes while loading a new version
        with backend_errors(f"create index {name}"):
            self.client.indices.create(index=name, settings=settings, mappings=posts_mapping(),
                                       aliases={self.alias: {}} if with_alias else None)

    def _ensure_alias(self) -> None:
        if not self._targets():
            versions = self._versions()
            self._create(f"{self.alias}-v{(versions[-1] if versions else 0) + 1}", with_alias=True)

    # -- writes -------------------------------------------------------------------------
    def _bulk(self, actions: Iterable[dict[str, Any]], what: str) -> int:
        done, failures = 0, []
        with backend_errors(what):
            for ok, item in helpers.streaming_bulk(
                    self.client, actions, chunk_size=self.chunk_size, max_retries=self.max_retries,
                    initial_backoff=self.initial_backoff, raise_on_error=False):
                op, result = next(iter(item.items()))
                if ok or (op == "delete" and result.get("status") == 404):
                    done += 1
                else:
                    failures.append(f"id {result.get('_id')}: {result.get('error', result.get('status'))}")
        if failures:
            raise SearchBackendError(f"elasticsearch {what}: {len(failures)} documents failed, first {failures[0]}")
        return done

    def upsert(self, docs: list[SearchDoc]) -> None:
        prepared = [prepare(doc) for doc in docs]
        self._bulk(({"_op_type": "index", "_index": self.alias, "_id": str(d.id), "_source": to_source(d)}
                    for d in prepared), "bulk index")

    def delete(self, ids: list[int]) -> None:
        self._bulk(({"_op_type": "delete", "_index": self.alias, "_id": str(i)} for i in ids), "bulk delete")

    def refresh(self) -> None:
        """Make every write so far searchable now (tests; after a reindex)."""
        with backend_errors("refresh"):
            self.client.indices.refresh(index=self.alias)

    def commit(self) -> None:
        if self.refresh_on_commit:
            self.refresh()

    def reindex_from(self, docs: Iterable[SearchDoc]) -> int:
        """Zero-downtime rebuild: load v(N+1), swap the alias atomically, drop the old.

        Searches keep hitting the old version until the swap. Writes made elsewhere
        during the rebuild land in the old version and are dropped with it, so the
        caller re-applies them afterwards (index.reindex.reindex does, from the store).
        """
        old = self._targets()
        versions = self._versions()
        new = f"{self.alias}-v{(versions[-1] if versions else 0) + 1}"
        self._create(new, bulk_loading=True)
        try:
            loaded = self._bulk(({"_op_type": "index", "_index": new, "_id": str(d.id), "_source": to_source(d)}
                                 for d in (prepare(doc) for doc in docs)), f"bulk load {new}")
            with backend_errors(f"finish {new}"):
                self.client.indices.put_settings(index=new, settings={"index": {
                    "refresh_interval": None, "number_of_replicas": self.replicas}})
                self.client.indices.refresh(index=new)
        except BaseException:
            self.client.options(ignore_status=404).indices.delete(index=new)  # keep the old one serving
            raise
        actions: list[dict[str, Any]] = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        with backend_errors("swap alias"):
            self.client.indices.update_aliases(actions=actions)
            for name in old:
                self.client.options(ignore_status=404).indices.delete(index=name)
        return loaded

    def reindex(self, docs: Iterable[SearchDoc]) -> int:
        return self.reindex_from(docs)

    def clear(self) -> None:
        self.reindex_from([])

    # -- reads --------------------------------------------------------------------------
    def _query(self, text: str | Node, filters: Filters | None) -> tuple[Node, dict[str, Any]]:
        node = compile_query(text, self.segment, self.max_query_chars) if isinstance(text, str) else text
        return node, full_dsl(node, filters)

    def _terms_agg(self, field: str, size: int) -> dict[str, Any]:
        return {"terms": {"field": field, "size": size, "shard_size": max(1000, size * 50),
                          "order": [{"_count": "desc"}, {"_key": "asc"}]}}

    def search(self, query: SearchQuery) -> SearchResult:
        started = time.perf_counter()
        check_window(query.page, query.size)
        node, dsl = self._query(query.query, query.filters)
        sort: list[Any] = [{"time_key": "desc"}] if query.sort == "time" else ["_score", {"time_key": "desc"}]
        aggs = {f: self._terms_agg(f, self.facet_size) for f in query.facets} or None
        with backend_errors("search"):
            found = self.client.search(index=self.alias, query=dsl, from_=(query.page - 1) * query.size,
                                       size=query.size, sort=sort, aggs=aggs, track_total_hits=True).body
        tokens = positive_tokens(node)
        hits = []
        for raw in found["hits"]["hits"]:
            doc = from_source(raw["_source"])
            score = float(raw.get("_score") or 0.0) if query.sort == "relevance" else 0.0
            hits.append(Hit(id=doc.id, score=score, doc=doc,
                            highlights=highlight(doc, tokens) if query.highlight else {}))
        facets = {f: terms_from_buckets(found.get("aggregations", {}).get(f, {}).get("buckets", []), self.facet_size)
                  for f in query.facets}
        return SearchResult(total=found["hits"]["total"]["value"], hits=hits, facets=facets,
                            took_ms=(time.perf_counter() - started) * 1000)

    def count(self, query: str = "", filters: Filters | None = None) -> int:
        _node, dsl = self._query(query, filters)
        with backend_errors("count"):
            return int(self.client.count(index=self.alias, query=dsl)["count"])

    def _aggregate(self, query: str, filters: Filters | None, agg: dict[str, Any]) -> dict[str, Any]:
        _node, dsl = self._query(query, filters)
        with backend_errors("aggregate"):
            found = self.client.search(index=self.alias, query=dsl, size=0, aggs={"agg": agg}).body
        return found.get("aggregations", {}).get("agg", {})

    def terms(self, field: FacetField, query: str = "", filters: Filters | None = None, size: int = 10) -> list[tuple[str, int]]:
        return terms_from_buckets(self._aggregate(query, filters, self._terms_agg(field, size)).get("buckets", []), size)

    def date_histogram(self, query: str, filters: Filters | None, interval: Literal["hour", "day"]) -> list[TrendBucket]:
        if interval not in INTERVALS:
            raise ValueError(f"interval must be 'hour' or 'day', not {interval!r}")
        agg = {"date_histogram": {"field": "published_at", "calendar_interval": interval,
                                  "time_zone": SHANGHAI_OFFSET, "min_doc_count": 1}}
        buckets = self._aggregate(query, filters, agg).get("buckets", [])
        filters = filters or Filters()
        return fill_buckets({int(b["key"]): int(b["doc_count"]) for b in buckets}, interval,
                            filters.since, filters.until)

    # -- saved searches -----------------------------------------------------------------
    def match_saved(self, docs: list[SearchDoc], saved: list[tuple[int, str, Filters]]) -> list[tuple[int, int]]:
        """(saved_id, doc_id) for every saved search a new post matches (the percolator)."""
        return self.percolator.match(docs, saved)

    # -- admin --------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        try:
            status = self.client.cluster.health(index=self.alias, timeout="2s").body
            docs = int(self.client.count(index=self.alias)["count"])
            return {"backend": "elasticsearch", "ok": status.get("status") in ("green", "yellow"),
                    "status": status.get("status"), "docs": docs, "alias": self.alias,
                    "indices": self._targets(), "url": self.url}
        except (ApiError, TransportError, SearchBackendError) as exc:
            return {"backend": "elasticsearch", "ok": False, "error": str(exc).splitlines()[0], "url": self.url}

    def close(self) -> None:
        self.client.close()

    def destroy(self) -> None:
        """Delete every version and the saved-search index (tests)."""
        with backend_errors("delete indices"):
            for version in self._versions():
                self.client.options(ignore_status=404).indices.delete(index=f"{self.alias}-v{version}")
        self.percolator.destroy()
