"""The one ingest path: every post, from a spider, a feed file or a test, comes through here.

    normalise → upsert by (source, external id) → tag → store tags → case engine
    (+ alerts, in the same transaction) → commit → search index

The search index is written after the store commits: the store is the source of truth,
the index carries each post's case id, and ``minsheng reindex`` can always rebuild it.
Re-ingesting the same input finds every post unchanged and does nothing.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from crawlers.items import RawPost
from index.models import CasePost, Post, PostTag
from index.normalise import normalise_post
from index.search.base import SearchIndex
from index.search.docs import to_search_doc
from index.store import Store
from index.upsert import save_tags, upsert_posts
from nlp.schema import TagInput, Tags


class Tagging(Protocol):
    def tag_batch(self, inputs: list[TagInput]) -> list[Tags]: ...


class CaseStep(Protocol):
    def process(self, session: Session, posts: list[tuple[Post, PostTag]], *, now: datetime) -> Any: ...


@dataclass
class SourceInfo:
    kind: str
    name: str = ""
    area: str | None = None


@dataclass
class IngestReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    post_ids: list[int] = field(default_factory=list)  # new and edited posts
    cases: Any = None

    def merge(self, other: "IngestReport") -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.errors.extend(other.errors)
        self.post_ids.extend(other.post_ids)


@dataclass
class IngestPipeline:
    store: Store
    tagger: Tagging
    sources: Callable[[str], SourceInfo]
    search: SearchIndex | None = None
    cases: CaseStep | None = None
    # Called with the new/edited (post, tag) pairs after commit: saved-search alerts, metrics.
    after_commit: list[Callable[[list[tuple[Post, PostTag]]], None]] = field(default_factory=list)


def _dedupe(posts: Sequence[RawPost]) -> list[RawPost]:
    """The last version of each (source, external id) in the batch wins."""
    latest: dict[tuple[str, str], RawPost] = {}
    for post in posts:
        latest[(post.source_id, post.external_id)] = post
    return list(latest.values())


def _thread_titles(session: Session, raws: list[RawPost]) -> Mapping[tuple[str, str], str]:
    """Titles of the threads/videos that replies without their own context sit under."""
    wanted = {(r.source_id, r.thread_external_id) for r in raws
              if not r.context and r.thread_external_id and r.thread_external_id != r.external_id}
    if not wanted:
        return {}
    rows = session.execute(select(Post.source_id, Post.external_id, Post.title).where(
        tuple_(Post.source_id, Post.external_id).in_(list(wanted))))
    return {(s, e): t for s, e, t in rows}


def _tag_inputs(changed: list[tuple[Post, RawPost]], titles: Mapping[tuple[str, str], str],
                sources: Callable[[str], SourceInfo]) -> list[TagInput]:
    inputs = []
    for post, raw in changed:
        context = raw.context or titles.get((raw.source_id, raw.thread_external_id or ""))
        inputs.append(TagInput(title=post.title, text=post.text,
                               area=sources(post.source_id).area, context=context))
    return inputs


def ingest(posts: Sequence[RawPost], pipeline: IngestPipeline, *, now: datetime) -> IngestReport:
    """Run one batch through every stage. Safe to call again with the same input."""
    batch = _dedupe([normalise_post(p) for p in posts])
    report = IngestReport()
    if not batch:
        return report
    store = pipeline.store
    with store.session() as session:
        for source_id in sorted({p.source_id for p in batch}):
            info = pipeline.sources(source_id)
            store.ensure_source(session, source_id, info.kind, info.name, info.area, now=now)
        upserted = upsert_posts(session, batch, now=now)
        report.new, report.updated, report.unchanged = upserted.new, upserted.updated, upserted.unchanged
        tagged: list[tuple[Post, PostTag]] = []
        if upserted.changed:
            inputs = _tag_inputs(upserted.changed, _thread_titles(session, batch), pipeline.sources)
            for (post, _raw), tags in zip(upserted.changed, pipeline.tagger.tag_batch(inputs)):
                tagged.append((post, save_tags(session, post, tags, now=now)))
            session.flush()
            if pipeline.cases is not None:
                report.cases = pipeline.cases.process(session, tagged, now=now)
        report.post_ids = [post.id for post, _ in tagged]
        case_ids = _case_ids(session, report.post_ids)
    if tagged and pipeline.search is not None:
        pipeline.search.upsert([to_search_doc(p, t, case_ids.get(p.id)) for p, t in tagged])
        pipeline.search.commit()
    for hook in pipeline.after_commit:
        hook(tagged)
    return report


def _case_ids(session: Session, post_ids: list[int]) -> dict[int, str]:
    if not post_ids:
        return {}
    rows = session.execute(select(CasePost.post_id, CasePost.case_id).where(CasePost.post_id.in_(post_ids)))
    return {post_id: case_id for post_id, case_id in rows}
