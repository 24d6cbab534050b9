"""Highlights: escaped raw text, <em> only around query tokens; geo and trend helpers."""
from __future__ import annotations

from datetime import datetime, timezone

from index.search.aggregations import SHANGHAI, fill_buckets, terms_from_buckets
from index.search.base import SearchDoc
from index.search.geo import bounding_box, haversine_m
from index.search.highlight import highlight


def _doc(title: str, text: str) -> SearchDoc:
    return SearchDoc(id=1, source_id="s", kind="thread", title=title, text=text,
                     published_at=datetime(2024, 1, 1, tzinfo=timezone.utc))


def test_hostile_text_is_escaped_and_only_tokens_are_marked() -> None:
    out = highlight(_doc('<img src=x onerror="alert(1)">电梯', "电梯&积水 <em>假</em>"), ["电梯", "积水"])
    assert out["title"] == "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;<em>电梯</em>"
    assert out["text"] == "<em>电梯</em>&amp;<em>积水</em> &lt;em&gt;假&lt;/em&gt;"


def test_latin_tokens_match_whole_words_case_insensitively() -> None:
    out = highlight(_doc("", "OK, it took WiFi ok"), ["ok", "wifi"])
    assert out["text"] == "<em>OK</em>, it took <em>WiFi</em> <em>ok</em>"


def test_long_text_gives_a_fragment_around_the_first_match() -> None:
    text = "前" * 500 + "电梯坏了" + "后" * 500
    fragment = highlight(_doc("", text), ["电梯"], fragment_chars=100)["text"]
    assert fragment.startswith("…") and fragment.endswith("…") and "<em>电梯</em>" in fragment
    assert len(fragment.replace("<em>", "").replace("</em>", "")) == 102
    assert highlight(_doc("", "无关"), [])["text"] == "无关"


def test_haversine_and_box_contain_the_circle() -> None:
    assert abs(haversine_m(30.0, 120.0, 30.0 + 1000 / 111_195.0, 120.0) - 1000) < 1
    min_lat, max_lat, min_lon, max_lon = bounding_box(30.75, 120.76, 2000)
    for bearing_lat, bearing_lon in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        lat = 30.75 + bearing_lat * 2000 / 111_195.0
        lon = 120.76 + bearing_lon * 2000 / (111_195.0 * 0.8597)  # cos(30.75°)
        assert min_lat <= lat <= max_lat and min_lon <= lon <= max_lon
    assert bounding_box(89.99, 0, 5000)[2:] == (-180.0, 180.0)


def test_trend_gaps_are_filled_between_since_and_until() -> None:
    day = lambda d: int(datetime(2024, 3, d, tzinfo=SHANGHAI).timestamp() * 1000)  # noqa: E731
    buckets = fill_buckets({day(2): 3, day(4): 1}, "day",
                           since=datetime(2024, 3, 1, 1, tzinfo=SHANGHAI), until=datetime(2024, 3, 6, tzinfo=SHANGHAI))
    assert [(b.start.day, b.count) for b in buckets] == [(1, 0), (2, 3), (3, 0), (4, 1), (5, 0)]
    assert fill_buckets({}, "hour") == []


def test_terms_ties_break_by_key() -> None:
    buckets = [{"key": "b", "doc_count": 2}, {"key": "c", "doc_count": 5}, {"key": "a", "doc_count": 2}]
    assert terms_from_buckets(buckets, 2) == [("c", 5), ("a", 2)]
