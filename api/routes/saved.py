"""Saved searches: staff subscribe to a query and get a `saved_search` alert on new matches.

Filters are stored in the search engine's own ``Filters`` shape (JSON), so the ingest
step's matcher can rebuild them with ``Filters(**row.filters)``.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Path
from pydantic import ValidationError
from sqlalchemy import select

from api.audit import record
from api.deps import DbDep, RuntimeDep, SavedSearcher
from api.schemas.posts import SavedSearchIn, SavedSearchOut
from api.schemas.search import ParamError, SearchParams
from index.models import SavedSearch
from index.search.query import QueryError, parse_query

router = APIRouter(prefix="/saved-searches", tags=["saved searches"])
_NOT_FILTERS = {"q", "facets", "highlight", "sort", "page", "size"}


@router.post("", response_model=SavedSearchOut, status_code=201, summary="保存搜索（订阅）")
def create_saved(runtime: RuntimeDep, db: DbDep, principal: SavedSearcher, body: SavedSearchIn) -> SavedSearchOut:
    unknown = sorted(set(body.filters) & _NOT_FILTERS)
    if unknown:
        raise HTTPException(422, f"filters: {unknown[0]!r} is not a filter")
    try:
        params = SearchParams(q=body.query, **body.filters)
        query = params.check_query(runtime.settings.search)
        filters = params.filters(ZoneInfo(runtime.settings.crawl.timezone))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise HTTPException(422, f"filters.{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ParamError as exc:
        raise HTTPException(422, str(exc)) from None
    if query:
        try:  # a subscription that can never run must be refused now, not at every ingest
            parse_query(query, runtime.settings.search.max_query_chars)
        except QueryError as exc:
            raise HTTPException(422, f"query: {exc}") from None
    if not query and not filters.model_dump(exclude_none=True):
        raise HTTPException(422, "a saved search needs a query or at least one filter")
    row = SavedSearch(name=body.name.strip(), owner=principal.name, query=query,
                      filters=filters.model_dump(mode="json", exclude_none=True), alert=body.alert,
                      created_at=datetime.now(timezone.utc))
    db.add(row)
    db.flush()
    record(db, principal, "saved_search.create", {"id": row.id, "query": query, "filters": row.filters})
    db.commit()
    return SavedSearchOut.model_validate(row, from_attributes=True)


@router.get("", response_model=list[SavedSearchOut], summary="我的保存搜索")
def list_saved(db: DbDep, principal: SavedSearcher) -> list[SavedSearchOut]:
    query = select(SavedSearch).order_by(SavedSearch.id)
    if principal.role != "admin":
        query = query.where(SavedSearch.owner == principal.name)
    return [SavedSearchOut.model_validate(row, from_attributes=True) for row in db.scalars(query)]


@router.delete("/{saved_id}", status_code=204, summary="删除保存搜索")
def delete_saved(db: DbDep, principal: SavedSearcher, saved_id: Annotated[int, Path(ge=1)]) -> None:
    row = db.get(SavedSearch, saved_id)
    # Someone else's saved search is reported as missing, not forbidden: ids don't leak.
    if row is None or (row.owner != principal.name and principal.role != "admin"):
        raise HTTPException(404, f"saved search {saved_id} not found")
    record(db, principal, "saved_search.delete", {"id": saved_id, "name": row.name})
    db.delete(row)
    db.commit()
