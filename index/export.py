"""Rows of the store as plain dicts, for `minsheng export` and the API's JSON."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select

from index.models import Alert, Case, Post
from index.store import Store


def row_dict(row: Any) -> dict[str, Any]:
    """Every column of an ORM row (relationships left out)."""
    return {attr.key: getattr(row, attr.key) for attr in inspect(row).mapper.column_attrs}


def post_dict(post: Post) -> dict[str, Any]:
    data = row_dict(post)
    tag = post.tags
    data["tags"] = None if tag is None else {
        key: value for key, value in row_dict(tag).items() if key not in ("post_id", "tokens")
    }
    return data


def export_rows(store: Store, what: str, *, source: str | None = None,
                since: datetime | None = None, chunk: int = 1000) -> Iterator[dict[str, Any]]:
    """Stream a table in id order, a chunk at a time, so a big export stays small in memory."""
    model, time_column = {"posts": (Post, Post.published_at), "cases": (Case, Case.created_at),
                          "alerts": (Alert, Alert.created_at)}[what]
    query = select(model).order_by(model.id)
    if source is not None:
        column = {"posts": Post.source_id, "alerts": Alert.source_id}.get(what)
        if column is None:
            from index.models import CasePost

            query = query.where(Case.id.in_(select(CasePost.case_id).where(CasePost.source_id == source)))
        else:
            query = query.where(column == source)
    if since is not None:
        query = query.where(time_column >= since)
    offset = 0
    while True:
        with store.session() as session:
            rows = list(session.scalars(query.offset(offset).limit(chunk)))
            if not rows:
                return
            for row in rows:
                yield post_dict(row) if what == "posts" else row_dict(row)
        offset += len(rows)
