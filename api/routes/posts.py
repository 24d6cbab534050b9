"""Post search and a single post with its thread context."""
from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path, Query

from api.audit import record
from api.deps import DbDep, Reader, RuntimeDep
from api.runtime import Runtime
from api.schemas.posts import PostContext, SearchOut
from api.schemas.search import ParamError, SearchParams
from api.thread_context import case_ids_for, thread_context
from api.views import post_out, search_out
from index.models import Post
from index.search.base import SearchBackendError, SearchQuery, SearchResult

router = APIRouter(prefix="/posts", tags=["posts"])


def run_search(runtime: Runtime, params: SearchParams) -> tuple[SearchQuery, SearchResult]:
    """Validate against the configured limits and ask the engine; bad input → ParamError."""
    query = params.to_query(runtime.settings.search, ZoneInfo(runtime.settings.crawl.timezone))
    try:
        return query, runtime.search.search(query)
    except SearchBackendError as exc:
        raise HTTPException(503, f"search engine unavailable: {exc}") from None
    except ValueError as exc:
        # The query parser's QueryError (and pydantic's errors) are ValueErrors: the
        # staff's syntax was wrong, which is a 422, not a server fault.
        raise ParamError(f"q: {str(exc).splitlines()[0] if str(exc) else 'invalid query'}") from None


def audit_search(db: DbDep, principal: Reader, query: SearchQuery, total: int, channel: str) -> None:
    record(db, principal, "search", {
        "channel": channel, "query": query.query, "sort": query.sort, "page": query.page,
        "size": query.size, "total": total,
        "filters": query.filters.model_dump(mode="json", exclude_none=True),
    })


@router.get("/search", response_model=SearchOut, summary="搜索帖子")
def search_posts(runtime: RuntimeDep, db: DbDep, principal: Reader,
                 params: Annotated[SearchParams, Query()]) -> SearchOut:
    """Staff query syntax (words AND, "phrase", -exclude, OR) with filters and facets."""
    try:
        query, result = run_search(runtime, params)
    except ParamError as exc:
        raise HTTPException(422, str(exc)) from None
    audit_search(db, principal, query, result.total, "api")
    db.commit()
    return search_out(result, page=query.page, size=query.size, unmasked=principal.sees_unmasked)


@router.get("/{post_id}", response_model=PostContext, summary="帖子详情与上下文")
def get_post(db: DbDep, principal: Reader, post_id: Annotated[int, Path(ge=1)],
             width: Annotated[int, Query(ge=0, le=20, description="neighbours each side")] = 2) -> PostContext:
    """The post, its thread (or video), the comment it answers and neighbouring floors."""
    post = db.get(Post, post_id)
    if post is None:
        raise HTTPException(404, f"post {post_id} not found")
    context = thread_context(db, post, width=width)
    everyone = [post] + [p for p in (context.thread, context.parent) if p] + context.neighbours
    cases = case_ids_for(db, [p.id for p in everyone])
    unmasked = principal.sees_unmasked

    def view(item: Post | None):
        return post_out(item, unmasked=unmasked, case_ids=cases.get(item.id)) if item else None

    return PostContext(post=view(post), thread=view(context.thread), parent=view(context.parent),
                       neighbours=[view(p) for p in context.neighbours])
