"""An author's reposts: the batch's near-duplicate check, read once for every author.

Reposts and the same comment under several videos share one author and almost all
their words. An author id is trusted across the sources of one platform kind (two
Douyin accounts watched separately), not across platforms, whose ids may collide.
The same words against a *different* place are not a repost but a new target (the
professional claimant's template), so the place must agree.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.matching import OPEN_STATUSES
from cases.simhash import similarity
from index.models import Case, CasePost, Post, Source


@dataclass
class Counted:
    """One counted evidence post of an author, as the check needs it."""

    post_id: int
    case_id: str
    source_id: str
    author_id: str
    published_at: datetime
    signature: str | None
    place_id: str | None
    status: str  # the case's status when read


class AuthorPosts:
    """The batch authors' counted evidence within ``window`` of their posts."""

    def __init__(self, session: Session, window: timedelta, status_of: Callable[[str, str], str]) -> None:
        self.session, self.window, self.status_of = session, window, status_of
        self.kinds: dict[str, str | None] = {}  # source id → platform kind
        self.family: dict[str | None, set[str]] = {}  # platform kind → its source ids
        self.posts: dict[str, list[Counted]] = {}  # author id → counted posts

    def load(self, posts: list[Post]) -> None:
        """Sources' kinds and the authors' counted evidence: two or three reads for the batch."""
        sources = sorted({p.source_id for p in posts})
        self.kinds = dict(self.session.execute(select(Source.id, Source.kind).where(Source.id.in_(sources))).all())
        kinds = sorted({kind for kind in self.kinds.values() if kind})
        for source_id, kind in self.session.execute(select(Source.id, Source.kind).where(Source.kind.in_(kinds))):
            self.family.setdefault(kind, set()).add(source_id)
        authored = [p for p in posts if p.author_id]
        if not authored:
            return
        family = set(sources).union(*self.family.values())
        first = min(p.published_at for p in authored) - self.window
        last = max(p.published_at for p in authored) + self.window
        rows = self.session.execute(
            select(CasePost.post_id, CasePost.case_id, CasePost.signature, Post.source_id, Post.author_id,
                   Post.published_at, Case.place_id, Case.status)
            .join(Post, Post.id == CasePost.post_id).join(Case, Case.id == CasePost.case_id)
            .where(Post.source_id.in_(sorted(family)), Post.author_id.in_(sorted({p.author_id for p in authored})),
                   Post.published_at > first, Post.published_at <= last, CasePost.counted.is_(True)))
        for r in rows:
            self.posts.setdefault(r.author_id, []).append(Counted(r.post_id, r.case_id, r.source_id, r.author_id,
                                                                  r.published_at, r.signature, r.place_id, r.status))

    def is_hotline(self, post: Post) -> bool:
        """Hotline orders come from a hotline source or are orders themselves."""
        return post.kind == "order" or self.kinds.get(post.source_id) == "hotline"

    def original(self, post: Post, signature: str | None, *, threshold: float,
                 place_id: str | None) -> Counted | None:
        """The author's own counted post in an active case that this one nearly repeats."""
        if not post.author_id or not signature:
            return None
        kind = self.kinds.get(post.source_id)
        family = self.family.get(kind, set()) if kind else {post.source_id}
        best, score = None, threshold
        for row in self.posts.get(post.author_id, []):
            if (row.source_id not in family or row.post_id == post.id
                    or not post.published_at - self.window < row.published_at <= post.published_at + self.window
                    or (place_id and row.place_id != place_id)
                    or self.status_of(row.case_id, row.status) not in OPEN_STATUSES):
                continue
            value = similarity(signature, row.signature)
            if value >= score:
                best, score = row, value
        return best

    def counted(self, post: Post, case: Case, signature: str | None) -> None:
        """The batch made ``post`` counted evidence of ``case``: later reposts see it."""
        if post.author_id:
            self.posts.setdefault(post.author_id, []).append(Counted(
                post.id, case.id, post.source_id, post.author_id, post.published_at, signature, case.place_id,
                case.status))
