"""Rebuilding the search index from the store, the source of truth."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from index.models import CasePost, Post, PostTag
from index.search.base import SearchDoc, SearchIndex
from index.search.docs import to_search_doc
from index.store import Store


# Clocks of the processes writing to the store may differ a little from this one's.
CLOCK_SLACK = timedelta(seconds=30)


def stored_docs(store: Store, chunk: int = 2000, where: Any = None) -> Iterator[SearchDoc]:
    """Every post (or those matching ``where``) with its tags and case id, in id order."""
    last_id = 0
    while True:
        with store.session() as session:
            query = select(Post).options(selectinload(Post.tags)).where(Post.id > last_id)
            if where is not None:
                query = query.where(where)
            posts = list(session.scalars(query.order_by(Post.id).limit(chunk)))
            if not posts:
                return
            ids = [post.id for post in posts]
            cases = dict(session.execute(select(CasePost.post_id, CasePost.case_id)
                                         .where(CasePost.post_id.in_(ids))).all())
            docs = [to_search_doc(post, post.tags, cases.get(post.id)) for post in posts]
        yield from docs
        last_id = ids[-1]


def changed_since(since: datetime, after_id: int) -> Any:
    """Posts stored, re-fetched, re-tagged or put into a case since ``since``."""
    return or_(Post.id > after_id, Post.fetched_at >= since,
               Post.id.in_(select(PostTag.post_id).where(PostTag.tagged_at >= since)),
               Post.id.in_(select(CasePost.post_id).where(CasePost.added_at >= since)))


def catch_up(store: Store, search: SearchIndex, since: datetime, after_id: int, batch: int = 2000) -> int:
    """Write again what ingest changed while a new index was being built."""
    count = 0
    pending: list[SearchDoc] = []
    for doc in stored_docs(store, batch, changed_since(since, after_id)):
        pending.append(doc)
        if len(pending) >= batch:
            search.upsert(pending)
            count, pending = count + len(pending), []
    if pending:
        search.upsert(pending)
        count += len(pending)
    search.commit()
    return count


def reindex(store: Store, search: SearchIndex, *, batch: int = 2000,
            progress: Callable[[int], None] | None = None,
            now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> int:
    """Replace the index's contents with the store's; returns the number of documents.

    An engine that can build a fresh index and swap it in (Elasticsearch, through an
    alias) does so, so searches keep working during the rebuild. Crawls keep
    ingesting meanwhile, into the old version; once the alias points at the new one,
    everything the store changed since the rebuild began is written again.
    """
    swap = getattr(search, "reindex_from", None)
    if swap is not None:
        started = now() - CLOCK_SLACK
        with store.session() as session:
            last_id = session.scalar(select(func.max(Post.id))) or 0
        count = int(swap(stored_docs(store, batch)))
        catch_up(store, search, started, last_id, batch)
        return count
    search.clear()
    count = 0
    pending: list[SearchDoc] = []
    with getattr(search, "bulk", nullcontext)():
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
