"""Feed lines → raw posts; bad lines are reported with their numbers and skipped."""
from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from crawlers.feed import FeedError, read_feed

TZ = ZoneInfo("Asia/Shanghai")


def test_good_and_bad_lines_in_order() -> None:
    stream = io.StringIO(
        '{"id": "1", "title": "路灯不亮", "text": "中山路路灯坏了", "time": "2025-06-02T11:05:00"}\n'
        '{"id": "2", "text": "缺时间"}\n'
        '{not json\n'
        '\n'
        '{"id": "3", "text": "回复", "time": "2025-06-02T12:00:00+08:00", "parent": "1", "likes": 2}\n'
        '["a", "list"]\n'
        '{"id": "4", "text": "x", "time": "2025-06-02", "colour": "red"}\n'
    )
    items = list(read_feed(stream, "hotline", "hotline", TZ))
    errors = [i for i in items if isinstance(i, FeedError)]
    posts = [i for i in items if not isinstance(i, FeedError)]
    assert [e.line for e in errors] == [2, 3, 6, 7]
    assert "time" in errors[0].message and "JSON" in errors[1].message and "colour" in errors[3].message
    assert [p.external_id for p in posts] == ["1", "3"]
    assert posts[0].kind == "order" and posts[0].published_at.utcoffset().total_seconds() == 8 * 3600
    assert posts[1].parent_external_id == "1" and posts[1].thread_external_id == "1" and posts[1].likes == 2


def test_feed_kinds_for_plain_feeds() -> None:
    stream = io.StringIO('{"id": "a", "text": "t", "time": 1717300000}\n'
                         '{"id": "b", "text": "r", "time": 1717300100, "parent": "a"}\n')
    kinds = [p.kind for p in read_feed(stream, "partner", "feed", TZ)]
    assert kinds == ["thread", "reply"]
