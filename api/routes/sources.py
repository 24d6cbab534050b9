"""Sources and their crawl history; crawl-now, pause and resume (admin).

Health numbers come from crawlers.health, the same functions `minsheng sources list`
uses; crawl-now goes through the running service's scheduler (``app.state.scheduler``),
so a source is never crawled twice at once.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request

from api.audit import record
from api.deps import DbDep, Reader, RuntimeDep, SourceAdmin, app_hook
from api.schemas.sources import ActionOut, CrawlRunOut, SourceOut
from api.settings import ConfigError
from crawlers.health import recent_runs, set_paused, source_overview
from crawlers.sources import SOURCE_ID_PATTERN

router = APIRouter(tags=["sources"])
SourceId = Annotated[str, Path(pattern=SOURCE_ID_PATTERN)]


def _configured(runtime: RuntimeDep, source_id: str):
    try:
        return runtime.settings.source(source_id)
    except ConfigError as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/sources", response_model=list[SourceOut], summary="数据源与健康状况")
def list_sources(runtime: RuntimeDep, principal: Reader) -> list[SourceOut]:
    return [SourceOut(**row) for row in source_overview(runtime.store, runtime.settings.sources,
                                                         health=runtime.settings.health)]


@router.get("/crawls", response_model=list[CrawlRunOut], summary="采集记录")
def list_crawls(runtime: RuntimeDep, principal: Reader,
                source: Annotated[str | None, Query(pattern=SOURCE_ID_PATTERN)] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 20) -> list[CrawlRunOut]:
    return [CrawlRunOut(**row) for row in recent_runs(runtime.store, source, limit)]


@router.post("/sources/{source_id}/crawl", response_model=ActionOut, status_code=202, summary="立即采集")
def crawl_source(request: Request, runtime: RuntimeDep, db: DbDep, principal: SourceAdmin,
                 source_id: SourceId) -> ActionOut:
    source = _configured(runtime, source_id)
    if source.kind not in ("discuz", "douyin"):
        raise HTTPException(422, f"source {source_id!r} is a {source.kind} feed; feeds arrive by `minsheng ingest`")
    scheduler = app_hook(request, "scheduler")
    if scheduler is None:
        raise HTTPException(503, "the crawl scheduler is not running in this process (start `minsheng serve`)")
    already = source_id in scheduler.running
    if not already:
        scheduler.crawl_now(source_id, trigger="manual")
    record(db, principal, "source.crawl", {"source": source_id, "already_running": already})
    db.commit()
    return ActionOut(detail={"source": source_id, "queued": not already, "already_running": already})


def _pause(runtime: RuntimeDep, db: DbDep, principal: SourceAdmin, source_id: str, paused: bool) -> ActionOut:
    source = _configured(runtime, source_id)
    set_paused(runtime.store, source, paused)
    record(db, principal, "source.pause" if paused else "source.resume", {"source": source_id})
    db.commit()
    return ActionOut(detail={"source": source_id, "paused": paused})


@router.post("/sources/{source_id}/pause", response_model=ActionOut, summary="暂停采集")
def pause_source(runtime: RuntimeDep, db: DbDep, principal: SourceAdmin, source_id: SourceId) -> ActionOut:
    return _pause(runtime, db, principal, source_id, True)


@router.post("/sources/{source_id}/resume", response_model=ActionOut, summary="恢复采集")
def resume_source(runtime: RuntimeDep, db: DbDep, principal: SourceAdmin, source_id: SourceId) -> ActionOut:
    return _pause(runtime, db, principal, source_id, False)
