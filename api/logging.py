"""Logging for the service and the crawl subprocesses, configured in this one place.

One event is one line: JSON (``ts``, ``level``, ``logger``, ``msg`` and, where known,
``source``, ``run_id``, ``post_id``, ``rule``, ``case_id``) when the stream is a file
or a pipe, so ops can grep and ship it; a readable line on a terminal. Per-event fields
come from ``extra={...}``; fields of a whole process (the crawl's source and run id)
are set once with ``set_log_context``. The handler keeps that context, nothing global.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone
from typing import Any, TextIO

FIELDS = ("source", "run_id", "post_id", "rule", "case_id", "service")
_MARK = "_minsheng_context"  # the attribute that marks handlers configured here


class ContextFilter(logging.Filter):
    """Gives every record the process-wide fields it does not carry itself."""

    def __init__(self, context: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.context: dict[str, Any] = dict(context or {})

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in self.context.items():
            if getattr(record, key, None) is None:
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; non-ASCII kept readable (post titles are Chinese)."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(),
        }
        for key in FIELDS:
            value = getattr(record, key, None)
            if value is not None:
                event[key] = value
        if record.exc_info:
            event["exc"] = self.formatException(record.exc_info)
        return json.dumps(event, ensure_ascii=False, default=str)


class ConsoleFormatter(logging.Formatter):
    """``12:00:01 INFO crawlers.scheduler [source=jx9qu run_id=4] message`` for people."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(fields)s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        fields = [f"{key}={getattr(record, key)}" for key in FIELDS
                  if key != "service" and getattr(record, key, None) is not None]
        record.fields = f" [{' '.join(fields)}]" if fields else ""
        return super().format(record)


def _formatter(json_lines: bool) -> logging.Formatter:
    return JsonFormatter() if json_lines else ConsoleFormatter()


def configure_logging(*, service: str, level: int | str = "INFO", json_lines: bool | None = None,
                      stream: TextIO | None = None, context: dict[str, Any] | None = None) -> logging.Handler:
    """Install the one root handler (replacing an earlier one from here); returns it.

    ``json_lines`` None means: JSON unless ``stream`` is a terminal.
    """
    stream = stream or sys.stderr
    if json_lines is None:
        json_lines = not (hasattr(stream, "isatty") and stream.isatty())
    root = logging.getLogger()
    for handler in list(root.handlers):
        if hasattr(handler, _MARK):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream)
    _adopt(handler, json_lines, {"service": service, **(context or {})})
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def adopt_root_handlers(*, json_lines: bool, context: dict[str, Any]) -> None:
    """Give handlers someone else installed (Scrapy's, in a crawl) our format and context."""
    for handler in logging.getLogger().handlers:
        _adopt(handler, json_lines, context)


def _adopt(handler: logging.Handler, json_lines: bool, context: dict[str, Any]) -> None:
    existing = getattr(handler, _MARK, None)
    if existing is not None:
        existing.context.update(context)
    else:
        context_filter = ContextFilter(context)
        handler.addFilter(context_filter)
        setattr(handler, _MARK, context_filter)
    handler.setFormatter(_formatter(json_lines))


def set_log_context(**fields: Any) -> None:
    """Add process-wide fields (e.g. the crawl's run id once it is known) to every later line."""
    for handler in logging.getLogger().handlers:
        context_filter = getattr(handler, _MARK, None)
        if context_filter is not None:
            context_filter.context.update({k: v for k, v in fields.items() if v is not None})
