"""Feed files: one post per JSON line (hotline work orders, partner exports).

Each line has ``id``, ``title``, ``text``, ``time`` (ISO 8601; a time without offset
is Asia/Shanghai) and optionally ``author``, ``author_id``, ``url``, ``parent``,
``thread``, ``likes``, ``region``. A bad line is reported with its number and skipped;
the good lines still go in.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from crawlers.items import RawPost

_KNOWN = {"id", "title", "text", "time", "author", "author_id", "url", "parent", "thread",
          "likes", "region", "kind"}


@dataclass
class FeedError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def parse_time(value: Any, tz: ZoneInfo) -> datetime:
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, tz)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("'time' must be an ISO 8601 string such as 2025-06-02T11:05:00+08:00")
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def feed_line_to_post(data: Any, source_id: str, source_kind: str, tz: ZoneInfo) -> RawPost:
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    missing = [key for key in ("id", "time") if data.get(key) in (None, "")]
    if missing:
        raise ValueError(f"missing {', '.join(repr(k) for k in missing)}")
    if not (data.get("title") or data.get("text")):
        raise ValueError("needs a 'title' or a 'text'")
    unknown = sorted(set(data) - _KNOWN)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r}")
    parent = data.get("parent")
    kind = data.get("kind") or ("order" if source_kind == "hotline" else ("reply" if parent else "thread"))
    return RawPost(
        source_id=source_id, external_id=str(data["id"]), kind=kind,
        title=str(data.get("title") or ""), text=str(data.get("text") or ""),
        published_at=parse_time(data["time"], tz), url=data.get("url"),
        parent_external_id=str(parent) if parent else None,
        thread_external_id=str(data.get("thread") or parent or data["id"]),
        author_id=str(data.get("author_id") or data.get("author") or "") or None,
        author_name=data.get("author"), region=data.get("region"), likes=int(data.get("likes") or 0),
    )


def read_feed(stream: IO[str], source_id: str, source_kind: str,
              tz: ZoneInfo) -> Iterator[RawPost | FeedError]:
    """Yield a RawPost per good line and a FeedError per bad one, in file order."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            yield FeedError(number, f"malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            yield feed_line_to_post(data, source_id, source_kind, tz)
        except ValidationError as exc:
            first = exc.errors()[0]
            yield FeedError(number, f"{'.'.join(map(str, first['loc']))}: {first['msg']}")
        except (ValueError, TypeError, OverflowError) as exc:
            yield FeedError(number, str(exc))
