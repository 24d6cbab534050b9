"""The tantivy schema and SearchDoc → tantivy Document conversion.

Layout: ``tokens`` (whitespace-tokenised, positions for phrases), raw-tokenised
fast text fields for filters and facets, a date and sort key, lat/lon floats for
the geo box, and the whole normalised SearchDoc as one stored JSON blob (one read
per hit instead of one per field).
"""
from __future__ import annotations

import tantivy

from index.search.base import SearchDoc
from index.search.indexing import KEYWORD_FIELDS, as_utc, has_case, prepare, time_key
from index.search.query import normalize_tokens

SCHEMA_VERSION = 1


def build_schema() -> tantivy.Schema:
    """The schema of index format ``SCHEMA_VERSION`` (bump it when fields change)."""
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    # Documents arrive segmented and normalised (documents.prepare): only split on spaces.
    builder.add_text_field("tokens", tokenizer_name="whitespace", index_option="position")
    for field in KEYWORD_FIELDS:
        builder.add_text_field(field, tokenizer_name="raw", fast=True)
    builder.add_boolean_field("is_complaint", indexed=True, fast=True)
    builder.add_boolean_field("has_case", indexed=True, fast=True)
    builder.add_date_field("published_at", indexed=True, fast=True)
    builder.add_integer_field("time_key", indexed=False, fast=True)
    builder.add_float_field("lat", indexed=True, fast=True)
    builder.add_float_field("lon", indexed=True, fast=True)
    builder.add_bytes_field("doc", stored=True)
    return builder.build()


def to_document(doc: SearchDoc) -> tantivy.Document:
    """A tantivy Document for a SearchDoc, normalised as ``indexing.prepare`` does.

    The stored blob is the doc as given (``from_stored`` normalises on the way out),
    which spares a model copy per post on the ingest path.
    """
    out = tantivy.Document()
    out.add_integer("id", doc.id)
    tokens = normalize_tokens(doc.tokens)
    if tokens:
        out.add_text("tokens", tokens)
    for field in KEYWORD_FIELDS:
        value = getattr(doc, field)
        if value and not value.isspace():
            out.add_text(field, value)
    if not doc.urgency.strip():
        out.add_text("urgency", "normal")
    published = as_utc(doc.published_at)
    out.add_boolean("is_complaint", doc.is_complaint)
    out.add_boolean("has_case", has_case(doc))
    out.add_date("published_at", published)
    out.add_integer("time_key", time_key(doc))
    if doc.lat is not None and doc.lon is not None:
        out.add_float("lat", doc.lat)
        out.add_float("lon", doc.lon)
    out.add_bytes("doc", doc.model_dump_json().encode("utf-8"))
    return out


def from_stored(stored: dict) -> SearchDoc:
    """The SearchDoc kept in a hit's stored fields, normalised as both engines return it."""
    return prepare(SearchDoc.model_validate_json(stored["doc"][0]))
