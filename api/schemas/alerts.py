"""The alert feed, acknowledgements and webhook deliveries (incl. dead letters)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AlertOut(BaseModel):
    id: int
    key: str
    type: str
    level: str
    case_id: str | None = None
    source_id: str | None = None
    rule_id: str | None = None
    title: str
    payload: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    event_time: datetime
    backfilled: bool = False
    push: bool = True
    acked_at: datetime | None = None
    acked_by: str | None = None


class AlertFeed(BaseModel):
    items: list[AlertOut]
    next_cursor: int = Field(description="pass as ?after= to get the alerts after these")


class DeliveryOut(BaseModel):
    id: int
    alert_id: int
    webhook: str
    order_key: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    counts: dict[str, int] = Field(description="deliveries per status: pending, delivered, dead")
