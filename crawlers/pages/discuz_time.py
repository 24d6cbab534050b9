"""Discuz! post times: absolute ("2025-6-2 11:05:00") and relative ("半小时前", "昨天 08:12").

Relative times are resolved against ``now`` in the forum's own timezone; callers pass
the server's ``Date`` header when there is one, so a slow crawl does not skew them.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime

_ABSOLUTE = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{1,2})(?:\s*[:：分]\s*(?P<S>\d{1,2}))?)?"
)
_CLOCK = r"(?:\s*(?P<H>\d{1,2})\s*[:：]\s*(?P<M>\d{2}))?"
_DAY_WORDS = {"今天": 0, "昨天": 1, "前天": 2}
_DAY_WORD = re.compile(r"(?P<word>今天|昨天|前天)" + _CLOCK)
_AGO = re.compile(r"(?P<n>\d+|半|一|两|几)\s*(?P<unit>秒|分钟|分|小时|个小时|天|周|星期)\s*前")
_UNIT_SECONDS = {"秒": 1, "分钟": 60, "分": 60, "小时": 3600, "个小时": 3600, "天": 86400, "周": 604800, "星期": 604800}
_NUMBER_WORDS = {"一": 1, "两": 2, "几": 3}


def _clean(text: str) -> str:
    return text.replace("\u00a0", " ").replace("&nbsp;", " ").replace("发表于", "").strip()


def parse_discuz_time(text: str | None, now: datetime) -> datetime | None:
    """The moment ``text`` names, in ``now``'s timezone; None when it names none.

    ``now`` must be timezone-aware: naive forum times are taken to be in its zone.
    """
    if not text:
        return None
    text = _clean(text)
    zone = now.tzinfo
    if match := _ABSOLUTE.search(text):
        parts = {k: int(v) if v else 0 for k, v in match.groupdict().items()}
        try:
            return datetime(parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], tzinfo=zone)
        except ValueError:
            return None
    if "刚刚" in text:
        return now
    if match := _DAY_WORD.search(text):
        day = now - timedelta(days=_DAY_WORDS[match["word"]])
        hour, minute = int(match["H"] or 0), int(match["M"] or 0)
        if hour > 23 or minute > 59:
            return None
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if match := _AGO.search(text):
        raw = match["n"]
        if raw == "半":
            seconds = _UNIT_SECONDS[match["unit"]] / 2
        else:
            seconds = (int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]) * _UNIT_SECONDS[match["unit"]]
        return (now - timedelta(seconds=seconds)).replace(microsecond=0)
    return None


def is_absolute(text: str | None) -> bool:
    """Whether ``text`` names a calendar date (so it does not drift between crawls)."""
    return bool(text) and _ABSOLUTE.search(_clean(text)) is not None


def server_now(date_header: bytes | str | None, zone: tzinfo, fallback: datetime) -> datetime:
    """The server's clock from its HTTP ``Date`` header, in ``zone``; else ``fallback``."""
    if date_header:
        try:
            value = date_header.decode("latin-1") if isinstance(date_header, bytes) else date_header
            parsed = parsedate_to_datetime(value)
            if parsed.tzinfo is not None:
                return parsed.astimezone(zone)
        except (TypeError, ValueError, IndexError):
            pass
    return fallback.astimezone(zone)
