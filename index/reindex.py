"""Rebuilding the search index from the store, the source of truth."""
from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from index.models import CasePost, Post
from index.search.base import SearchDoc, SearchIndex
from index.search.docs import to_search_doc
from index.store import Store


def stored_docs(store: Store, chunk: int = 2000) -> Iterator[SearchDoc]:
    """Every post with its tags and case id, in id order, a chunk at a time."""
    last_id = 0
    while True:
        with store.session() as session:
            posts = list(session.scalars(select(Post).options(selectinload(Post.tags))
                                         .where(Post.id > last_id).order_by(Post.id).limit(chunk)))
            if not posts:
                return
            ids = [post.id for post in posts]
            cases = dict(session.execute(select(CasePost.post_id, CasePost.case_id)
                                         .where(CasePost.post_id.in_(ids))).all())
            docs = [to_search_doc(post, post.tags, cases.get(post.id)) for post in posts]
        yield from docs
        last_id = ids[-1]


def reindex(store: Store, search: SearchIndex, *, batch: int = 2000,
            progress: Callable[[int], None] | None = None) -> int:
    """Replace the index's contents with the store's; returns the number of documents.

    An engine that can build a fresh index and swap it in (Elasticsearch, through an
    alias) does so, so searches keep working during the rebuild.
    """
    swap = getattr(search, "reindex_from", None)
    if swap is not None:
        return int(swap(stored_docs(store, batch)))
    search.clear()
    count = 0
    pending: list[SearchDoc] = []
    for doc in stored_docs(store, batch):
        pending.append(doc)
        if len(pending) >= batch:
            search.upsert(pending)
            search.commit()
            count += len(pending)
            pending = []
            if progress:
                progress(count)
    if pending:
        search.upsert(pending)
        count += len(pending)
    search.commit()
    return count
