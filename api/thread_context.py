"""Where a post sits: its thread's first floor (or its video), the comment it answers,
and the floors or sibling comments around it.

Forums number their floors, so neighbours are the floors just before and after; video
comments have no floors, so neighbours are the sibling comments under the same parent,
in time order. Everything is read by indexed (source, thread) queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from index.models import CasePost, Post


@dataclass
class ThreadContext:
    post: Post
    thread: Post | None = None
    parent: Post | None = None
    neighbours: list[Post] = field(default_factory=list)


def _by_external(session: Session, source_id: str, external_id: str | None) -> Post | None:
    if not external_id:
        return None
    return session.scalar(select(Post).where(Post.source_id == source_id,
                                             Post.external_id == external_id))


def _floor_neighbours(session: Session, post: Post, width: int) -> list[Post]:
    query = (select(Post).where(Post.source_id == post.source_id,
                                Post.thread_external_id == post.thread_external_id,
                                Post.floor.between(post.floor - width, post.floor + width),
                                Post.id != post.id)
             .order_by(Post.floor, Post.published_at))
    return list(session.scalars(query))


def _sibling_neighbours(session: Session, post: Post, width: int) -> list[Post]:
    same = [Post.source_id == post.source_id, Post.id != post.id]
    if post.thread_external_id:
        same.append(Post.thread_external_id == post.thread_external_id)
    same.append(Post.parent_external_id == post.parent_external_id if post.parent_external_id
                else Post.parent_external_id.is_(None))
    key = (Post.published_at, Post.id)
    before = session.scalars(select(Post).where(*same, Post.published_at <= post.published_at,
                                                ~and_(Post.published_at == post.published_at, Post.id > post.id))
                             .order_by(key[0].desc(), key[1].desc()).limit(width))
    after = session.scalars(select(Post).where(*same, Post.published_at >= post.published_at,
                                               ~and_(Post.published_at == post.published_at, Post.id < post.id))
                            .order_by(*key).limit(width))
    return list(reversed(list(before))) + list(after)


def thread_context(session: Session, post: Post, *, width: int = 2) -> ThreadContext:
    """The post with its thread (or video), its parent comment and ``width`` neighbours a side."""
    context = ThreadContext(post=post)
    if post.thread_external_id and post.thread_external_id != post.external_id:
        context.thread = _by_external(session, post.source_id, post.thread_external_id)
    if post.parent_external_id and post.parent_external_id not in (post.thread_external_id, post.external_id):
        context.parent = _by_external(session, post.source_id, post.parent_external_id)
    if post.kind in ("thread", "video", "order") and not post.parent_external_id:
        # A thread's or video's own neighbours are its first replies.
        if post.kind == "thread" or post.kind == "video":
            context.neighbours = list(session.scalars(
                select(Post).where(Post.source_id == post.source_id,
                                   Post.thread_external_id == post.external_id, Post.id != post.id)
                .order_by(Post.floor, Post.published_at, Post.id).limit(width * 2)))
        return context
    if post.floor is not None and post.thread_external_id:
        context.neighbours = _floor_neighbours(session, post, width)
    else:
        context.neighbours = _sibling_neighbours(session, post, width)
    if context.thread is not None:
        context.neighbours = [p for p in context.neighbours if p.id != context.thread.id]
    return context


def case_ids_for(session: Session, post_ids: list[int]) -> dict[int, list[str]]:
    """The cases each post is evidence of."""
    out: dict[int, list[str]] = {}
    if not post_ids:
        return out
    rows = session.execute(select(CasePost.post_id, CasePost.case_id)
                           .where(CasePost.post_id.in_(post_ids)).order_by(CasePost.case_id))
    for post_id, case_id in rows:
        out.setdefault(post_id, []).append(case_id)
    return out
