"""The alert feed: a cursor-paged pull feed, a live SSE stream, acknowledgements,
and the webhook delivery log with its dead letters.

Both feeds read the outbox table by its id, which only grows, so a consumer that
keeps its cursor (or its SSE ``Last-Event-ID``) never misses or repeats an alert.
"""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from api.audit import record
from api.deps import AlertAcker, DbDep, Reader, RuntimeDep, WebhookViewer
from api.runtime import Runtime
from api.schemas.alerts import AlertFeed, AlertOut, DeliveryOut, DeliveryPage
from api.views import alert_out
from cases.feed import acknowledge, delivery_log, requeue
from index.models import Alert, Delivery

router = APIRouter(tags=["alerts"])
POLL_S = 1.0


def _alerts_after(runtime: Runtime, after: int, limit: int, types: list[str], unmasked: bool) -> list[AlertOut]:
    query = select(Alert).where(Alert.id > after).order_by(Alert.id).limit(limit)
    if types:
        query = query.where(Alert.type.in_(types))
    with runtime.store.session() as session:
        return [alert_out(row, unmasked=unmasked) for row in session.scalars(query)]


def _types(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


@router.get("/alerts", response_model=AlertFeed, summary="预警拉取（游标）")
def alert_feed(runtime: RuntimeDep, principal: Reader,
               after: Annotated[int, Query(ge=0, description="the last alert id you have")] = 0,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               type: Annotated[str | None, Query(description="逗号分隔的预警类型")] = None) -> AlertFeed:
    items = _alerts_after(runtime, after, limit, _types(type), principal.sees_unmasked)
    return AlertFeed(items=items, next_cursor=items[-1].id if items else after)


def stream_cursor(after: Annotated[int | None, Query(ge=0, description="the last alert id you have")] = None,
                  last_event_id: Annotated[str | None, Header()] = None) -> int:
    """Where a stream starts. Last-Event-ID (a reconnecting EventSource) wins over ?after=;
    neither: -1, i.e. from the newest alert on. A dependency, so bad input is a 422
    before the stream's headers go out."""
    if last_event_id and last_event_id.strip():
        if not last_event_id.strip().isdigit():
            raise HTTPException(422, "Last-Event-ID: must be an alert id (a whole number)")
        return int(last_event_id.strip())
    return -1 if after is None else after


@router.get("/alerts/stream", response_class=EventSourceResponse, summary="预警实时推送 (SSE)")
async def alert_stream(request: Request, runtime: RuntimeDep, principal: Reader,
                       cursor: Annotated[int, Depends(stream_cursor)],
                       type: Annotated[str | None, Query()] = None,
                       max_events: Annotated[int | None, Query(ge=1, le=10_000,
                                                               description="close after this many")] = None,
                       ) -> AsyncIterator[ServerSentEvent]:
    """Server-Sent Events: one `alert` event per new outbox row, id = alert id."""
    types = _types(type)
    if cursor < 0:
        cursor = await run_in_threadpool(_newest_id, runtime)
    sent = 0
    yield ServerSentEvent(comment="connected", retry=3000)
    while not await request.is_disconnected():
        batch = await run_in_threadpool(_alerts_after, runtime, cursor, 100, types, principal.sees_unmasked)
        for alert in batch:
            cursor = alert.id
            yield ServerSentEvent(raw_data=alert.model_dump_json(), event="alert", id=str(alert.id))
            sent += 1
            if max_events is not None and sent >= max_events:
                return
        if not batch:
            await asyncio.sleep(POLL_S)


def _newest_id(runtime: Runtime) -> int:
    with runtime.store.session() as session:
        return session.scalar(select(func.max(Alert.id))) or 0


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, summary="确认预警")
def ack_alert(db: DbDep, principal: AlertAcker, alert_id: Annotated[int, Path(ge=1)]) -> AlertOut:
    """Acknowledge an alert; acknowledging twice keeps the first acknowledgement."""
    try:
        already = db.get(Alert, alert_id)
        was_acked = already is not None and already.acked_at is not None
        alert = acknowledge(db, alert_id, actor=principal.name, now=datetime.now(timezone.utc))
    except LookupError:
        raise HTTPException(404, f"alert {alert_id} not found") from None
    if not was_acked:
        record(db, principal, "alert.ack", {"alert_id": alert_id, "type": alert.type, "case_id": alert.case_id})
    db.commit()
    return alert_out(alert, unmasked=principal.sees_unmasked)


@router.get("/deliveries", response_model=DeliveryPage, summary="Webhook 投递记录（含死信）")
def list_deliveries(db: DbDep, principal: WebhookViewer,
                    status: Annotated[str | None, Query(pattern="^(pending|delivered|dead)$")] = None,
                    alert_id: Annotated[int | None, Query(ge=1)] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> DeliveryPage:
    counts = dict(db.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    rows = delivery_log(db, status=status, alert_id=alert_id, limit=limit)
    return DeliveryPage(items=[DeliveryOut(**row) for row in rows],
                        counts={name: int(counts.get(name, 0)) for name in ("pending", "delivered", "dead")})


@router.get("/webhooks", summary="已配置的派单 Webhook")
def list_webhooks(runtime: RuntimeDep, db: DbDep, principal: WebhookViewer) -> list[dict[str, object]]:
    """Configured receivers with their queue; secrets are never shown."""
    counts = {(url, status): n for url, status, n in db.execute(
        select(Delivery.webhook, Delivery.status, func.count()).group_by(Delivery.webhook, Delivery.status))}
    return [{"url": hook.url, "types": hook.types, "max_age_h": hook.max_age_h, "signed": bool(hook.secret),
             **{status: counts.get((hook.url, status), 0) for status in ("pending", "delivered", "dead")}}
            for hook in runtime.settings.webhooks]


@router.post("/deliveries/{delivery_id}/retry", response_model=DeliveryOut, summary="重投死信")
def retry_delivery(db: DbDep, principal: WebhookViewer, delivery_id: Annotated[int, Path(ge=1)]) -> DeliveryOut:
    """Put a dead letter back in the queue; the dispatcher picks it up on its next pass."""
    try:
        row = requeue(db, delivery_id, now=datetime.now(timezone.utc))
    except LookupError:
        raise HTTPException(404, f"delivery {delivery_id} not found") from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    record(db, principal, "delivery.retry", {"delivery_id": delivery_id, "alert_id": row.alert_id})
    db.commit()
    return DeliveryOut.model_validate(row, from_attributes=True)
