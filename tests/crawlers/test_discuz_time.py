"""Discuz! time strings: absolute, relative, and the server's Date header."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from crawlers.pages.discuz_time import is_absolute, parse_discuz_time, server_now
from tests.crawlers.conftest import CHINA

NOW = datetime(2025, 6, 3, 10, 0, 30, tzinfo=CHINA)


@pytest.mark.parametrize("text,expected", [
    ("2025-6-2 11:05:00", datetime(2025, 6, 2, 11, 5, 0, tzinfo=CHINA)),
    ("发表于 2025-06-02 11:05", datetime(2025, 6, 2, 11, 5, tzinfo=CHINA)),
    ("2025-6-2", datetime(2025, 6, 2, tzinfo=CHINA)),
    ("2025年6月2日 08:09", datetime(2025, 6, 2, 8, 9, tzinfo=CHINA)),
    ("半小时前", datetime(2025, 6, 3, 9, 30, 30, tzinfo=CHINA)),
    ("5 分钟前", datetime(2025, 6, 3, 9, 55, 30, tzinfo=CHINA)),
    ("3 小时前", datetime(2025, 6, 3, 7, 0, 30, tzinfo=CHINA)),
    ("昨天\u00a008:12", datetime(2025, 6, 2, 8, 12, tzinfo=CHINA)),
    ("前天 23:59", datetime(2025, 6, 1, 23, 59, tzinfo=CHINA)),
    ("3 天前", datetime(2025, 5, 31, 10, 0, 30, tzinfo=CHINA)),
    ("刚刚", NOW),
])
def test_parse(text, expected):
    assert parse_discuz_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["", "匿名", "2025-13-45 10:00", "昨天 25:61"])
def test_unparseable_is_none(text):
    assert parse_discuz_time(text, NOW) is None


def test_absolute_versus_relative():
    assert is_absolute("2025-6-2 11:05") and not is_absolute("半小时前") and not is_absolute(None)


def test_server_now_prefers_the_date_header():
    fallback = datetime(2030, 1, 1, tzinfo=timezone.utc)
    got = server_now(b"Tue, 03 Jun 2025 02:00:30 GMT", CHINA, fallback)
    assert got == NOW and got.tzinfo == CHINA
    assert server_now(None, CHINA, fallback) == fallback
    assert server_now(b"not a date", CHINA, fallback) == fallback
