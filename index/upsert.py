"""Store-side steps of ingest: upsert posts by (source, external id) and save their tags."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crawlers.items import RawPost
from index.models import Post, PostTag
from index.normalise import content_hash
from nlp.schema import Tags

_META_FIELDS = ("likes", "reply_count", "region", "url", "floor")


@dataclass
class Upserted:
    """What one batch did to the posts table. ``changed`` holds new and edited posts."""

    changed: list[tuple[Post, RawPost]] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def upsert_posts(session: Session, posts: Sequence[RawPost], *, now: datetime) -> Upserted:
    """Insert new posts, update edited ones (new content hash), leave the rest alone.

    Counters such as likes are refreshed silently: a new like is not an edit and
    must not re-tag the post or re-trigger the case rules.
    """
    keys = [(p.source_id, p.external_id) for p in posts]
    existing = {
        (row.source_id, row.external_id): row
        for row in session.scalars(select(Post).where(tuple_(Post.source_id, Post.external_id).in_(keys)))
    } if keys else {}
    result = Upserted()
    for raw in posts:
        digest = content_hash(raw.title, raw.text)
        row = existing.get((raw.source_id, raw.external_id))
        if row is None:
            row = Post(
                source_id=raw.source_id, external_id=raw.external_id, kind=raw.kind,
                parent_external_id=raw.parent_external_id, thread_external_id=raw.thread_external_id,
                url=raw.url, title=raw.title, text=raw.text, author_id=raw.author_id,
                author_name=raw.author_name, region=raw.region, published_at=raw.published_at,
                fetched_at=now, likes=raw.likes, reply_count=raw.reply_count, floor=raw.floor,
                content_hash=digest, extra=raw.extra,
            )
            session.add(row)
            # A new post has no tags yet: say so, or the first read of row.tags queries for them.
            set_committed_value(row, "tags", None)
            existing[(raw.source_id, raw.external_id)] = row
            result.changed.append((row, raw))
            result.new += 1
            continue
        for name in _META_FIELDS:
            value = getattr(raw, name)
            if value is not None and getattr(row, name) != value:
                setattr(row, name, value)
        if row.content_hash == digest:
            result.unchanged += 1
            continue
        row.title, row.text, row.content_hash = raw.title, raw.text, digest
        row.edited_at, row.fetched_at = now, now
        result.changed.append((row, raw))
        result.updated += 1
    session.flush()
    return result


def save_tags(session: Session, post: Post, tags: Tags, *, now: datetime) -> PostTag:
    row = post.tags or PostTag(post_id=post.id)
    place = tags.place
    row.is_complaint = tags.is_complaint
    row.complaint_score = tags.complaint_score
    row.appeal_type = tags.appeal_type
    row.level1, row.level2, row.level3 = tags.category.level1, tags.category.level2, tags.category.level3
    row.category_score = tags.category.score
    row.department = tags.department
    row.locations = [loc.model_dump() for loc in tags.locations]
    row.place_id = place.id if place else None
    row.place = place.model_dump() if place else None
    row.district = place.district if place else None
    row.street = place.street if place else None
    row.community = place.community if place else None
    row.lat = place.lat if place else None
    row.lon = place.lon if place else None
    row.urgency = tags.urgency
    row.tokens = tags.tokens
    row.tagger = tags.tagger
    row.tagged_at = now
    if post.tags is None:
        session.add(row)
        post.tags = row
    return row
