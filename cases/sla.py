"""SLA deadlines per lifecycle step, from field practice and the ``sla:`` config.

The step a status waits on: new/reopened → respond (dispatch), dispatched → on site
(accept), in progress → resolve. Overrides: per level-1 category, then per priority
(the more specific promise to the caller wins).
"""
from __future__ import annotations

from datetime import datetime, timedelta

from cases.config import SlaConfig, parse_window

STEP_OF_STATUS = {"new": "respond", "reopened": "respond", "dispatched": "on_site", "in_progress": "resolve"}
STEP_LABELS = {"respond": "响应", "on_site": "到场", "resolve": "办结"}


def step_duration(sla: SlaConfig, step: str, level1: str | None, priority: str | None) -> timedelta:
    """The allowed time for ``step`` given the case's category and priority."""
    duration = getattr(sla, step)
    if level1 and step in sla.by_category.get(level1, {}):
        duration = sla.by_category[level1][step]
    if priority and step in sla.by_priority.get(priority, {}):
        duration = sla.by_priority[priority][step]
    return parse_window(duration)


def due_for(sla: SlaConfig, status: str, level1: str | None, priority: str | None,
            start: datetime) -> datetime | None:
    """Deadline of the step a case in ``status`` waits on, counted from ``start``;
    None for statuses no one is waiting on (resolved, closed, merged, rejected)."""
    step = STEP_OF_STATUS.get(status)
    return start + step_duration(sla, step, level1, priority) if step else None
