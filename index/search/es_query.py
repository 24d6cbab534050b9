"""Rendering an analyzed query tree and Filters into Elasticsearch query DSL (pure).

Mirrors ``tantivy_query`` clause for clause: terms are ``term`` queries on the
pre-segmented ``tokens`` field (no analysis at query time: the tokens already are
what was indexed), phrases are ``match_phrase`` (whitespace analyzer), filters go
in ``bool.filter`` so they do not change relevance.
"""
from __future__ import annotations

from typing import Any

from index.search.base import Filters
from index.search.indexing import as_utc
from index.search.query import And, MatchAll, Node, Not, Or, Phrase, Term

_KEYWORD_FILTERS = ("level1", "level2", "level3", "district", "street", "community",
                    "source_id", "kind", "urgency")
Dsl = dict[str, Any]


def text_dsl(node: Node) -> Dsl:
    """The query DSL for an analyzed tree (see ``query.analyze``)."""
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Term):
        return {"term": {"tokens": node.token}}
    if isinstance(node, Phrase):
        return {"match_phrase": {"tokens": " ".join(node.tokens)}}
    if isinstance(node, Not):
        return {"bool": {"must": [{"match_all": {}}], "must_not": [text_dsl(node.child)]}}
    if isinstance(node, Or):
        return {"bool": {"should": [text_dsl(c) for c in node.children], "minimum_should_match": 1}}
    if isinstance(node, And):
        must = [text_dsl(c) for c in node.children if not isinstance(c, Not)]
        must_not = [text_dsl(c.child) for c in node.children if isinstance(c, Not)]
        body: Dsl = {"must": must or [{"match_all": {}}]}
        if must_not:
            body["must_not"] = must_not
        return {"bool": body}
    raise TypeError(f"not an analyzed query node: {node!r}")


def _iso(moment: Any) -> str:
    return as_utc(moment).isoformat()


def filter_dsl(filters: Filters) -> list[Dsl]:
    """One filter clause per set filter (``bool.filter``)."""
    out: list[Dsl] = []
    for field in _KEYWORD_FILTERS:
        value = getattr(filters, field)
        if value:
            out.append({"term": {field: value}})
    if filters.is_complaint is not None:
        out.append({"term": {"is_complaint": filters.is_complaint}})
    if filters.has_case is not None:
        out.append({"term": {"has_case": filters.has_case}})
    if filters.since is not None or filters.until is not None:
        bounds: Dsl = {}
        if filters.since is not None:
            bounds["gte"] = _iso(filters.since)
        if filters.until is not None:
            bounds["lt"] = _iso(filters.until)  # until is exclusive, as on tantivy
        out.append({"range": {"published_at": bounds}})
    if filters.geo is not None:
        out.append({"geo_distance": {"distance": f"{filters.geo.radius_m}m", "distance_type": "arc",
                                     "location": {"lat": filters.geo.lat, "lon": filters.geo.lon}}})
    return out


def full_dsl(node: Node, filters: Filters | None) -> Dsl:
    """Text query AND filters: the ``query`` of a search, count or aggregation."""
    clauses = filter_dsl(filters or Filters())
    text = text_dsl(node)
    if not clauses:
        return text
    return {"bool": {"must": [text], "filter": clauses}}
