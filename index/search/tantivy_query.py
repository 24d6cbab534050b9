"""Rendering an analyzed query tree and Filters into tantivy queries (pure, given a schema).

Filters are wrapped in zero-score queries, so they narrow the hits without changing
relevance: the same role a ``bool.filter`` clause plays in Elasticsearch.
"""
from __future__ import annotations

import tantivy
from tantivy import Occur, Query

from index.search.base import Filters, GeoFilter
from index.search.indexing import as_utc
from index.search.geo import bounding_box, haversine_m
from index.search.query import And, MatchAll, Node, Not, Or, Phrase, Term

_KEYWORD_FILTERS = ("level1", "level2", "level3", "district", "street", "community",
                    "source_id", "kind", "urgency")


def _negated(child: Query) -> Query:
    # tantivy matches nothing for a purely negative boolean query; anchor it on all docs.
    return Query.boolean_query([(Occur.Must, Query.all_query()), (Occur.MustNot, child)])


def text_query(node: Node, schema: tantivy.Schema) -> Query:
    """The tantivy query for an analyzed tree (see ``query.analyze``)."""
    if isinstance(node, MatchAll):
        return Query.all_query()
    if isinstance(node, Term):
        return Query.term_query(schema, "tokens", node.token)
    if isinstance(node, Phrase):
        return Query.phrase_query(schema, "tokens", list(node.tokens))
    if isinstance(node, Not):
        return _negated(text_query(node.child, schema))
    if isinstance(node, Or):
        return Query.boolean_query([(Occur.Should, text_query(c, schema)) for c in node.children])
    if isinstance(node, And):
        clauses = [(Occur.MustNot, text_query(c.child, schema)) if isinstance(c, Not)
                   else (Occur.Must, text_query(c, schema)) for c in node.children]
        if all(occur == Occur.MustNot for occur, _ in clauses):
            clauses.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(clauses)
    raise TypeError(f"not an analyzed query node: {node!r}")


def filter_queries(filters: Filters, schema: tantivy.Schema) -> list[Query]:
    """One query per set filter; the geo filter contributes only its bounding box."""
    out: list[Query] = []
    for field in _KEYWORD_FILTERS:
        value = getattr(filters, field)
        if value:
            out.append(Query.term_query(schema, field, value))
    if filters.is_complaint is not None:
        out.append(Query.term_query(schema, "is_complaint", filters.is_complaint))
    if filters.has_case is not None:
        out.append(Query.term_query(schema, "has_case", filters.has_case))
    if filters.since is not None or filters.until is not None:
        out.append(Query.range_query(
            schema, "published_at", tantivy.FieldType.Date,
            as_utc(filters.since) if filters.since else None,
            as_utc(filters.until) if filters.until else None,
            include_lower=True, include_upper=filters.until is None,
        ))
    if filters.geo is not None:
        min_lat, max_lat, min_lon, max_lon = bounding_box(filters.geo.lat, filters.geo.lon, filters.geo.radius_m)
        out.append(Query.range_query(schema, "lat", tantivy.FieldType.Float, min_lat, max_lat))
        out.append(Query.range_query(schema, "lon", tantivy.FieldType.Float, min_lon, max_lon))
    return out


def combine(text: Query, filters: list[Query]) -> Query:
    """Text query AND every filter, filters scoring zero."""
    if not filters:
        return text
    clauses = [(Occur.Must, text)] + [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
    return Query.boolean_query(clauses)


def within_radius(searcher: tantivy.Searcher, schema: tantivy.Schema, boxed: Query, geo: GeoFilter) -> Query:
    """Narrow a bounding-box query to posts truly within the radius (exact counts).

    Reads lat/lon of every post in the box from fast fields, keeps those within
    haversine distance, and returns the box query restricted to their ids, so hits,
    counts, facets and trends all see the same exact set.
    """
    candidates = searcher.search(boxed, 1, count=True).count
    if candidates == 0:
        return Query.empty_query()
    addresses = [address for _score, address in searcher.search(boxed, candidates, count=False).hits]
    lats = searcher.fast_field_values("lat", addresses)
    lons = searcher.fast_field_values("lon", addresses)
    ids = searcher.fast_field_values("id", addresses)
    keep = [doc_id for doc_id, lat, lon in zip(ids, lats, lons, strict=True)
            if lat is not None and lon is not None
            and haversine_m(geo.lat, geo.lon, lat, lon) <= geo.radius_m]
    if not keep:
        return Query.empty_query()
    return Query.boolean_query([(Occur.Must, boxed),
                                (Occur.Must, Query.const_score_query(Query.term_set_query(schema, "id", keep), 0.0))])
