"""Staff query syntax: parsing, segmentation, and rendering to both engines' queries."""
from __future__ import annotations

import pytest

from index.search.base import Filters, GeoFilter
from index.search.es_query import filter_dsl, full_dsl, text_dsl
from index.search.query import (
    And, MatchAll, Not, Or, Phrase, QueryError, Term, Word, analyze, compile_query, parse_query, positive_tokens,
)
from tests.index.conftest import char_segment, whitespace_segment


def test_words_are_anded_and_or_binds_tighter() -> None:
    assert parse_query("电梯 积水 OR 漏水") == And((Word("电梯"), Or((Word("积水"), Word("漏水")))))
    assert parse_query("a OR b OR c") == Or((Word("a"), Word("b"), Word("c")))
    assert parse_query("(a b) OR c") == Or((And((Word("a"), Word("b"))), Word("c")))


def test_phrases_exclusions_and_chinese_punctuation() -> None:
    assert parse_query('"电梯 漏水" -小区') == And((Phrase("电梯 漏水"), Not(Word("小区"))))
    assert parse_query("“中央城”（a OR b）") == And((Phrase("中央城"), Or((Word("a"), Word("b")))))
    assert parse_query('-"a b" -(c OR d)') == And((Not(Phrase("a b")), Not(Or((Word("c"), Word("d"))))))
    assert parse_query("G2-320 or") == And((Word("G2-320"), Word("or")))  # inner '-', lower-case 'or': words


def test_blank_query_matches_all() -> None:
    assert parse_query("   ") == MatchAll()
    assert compile_query("", whitespace_segment) == MatchAll()


@pytest.mark.parametrize("bad, message", [
    ('"电梯', "unclosed quote"), ("(a", "missing closing"), ("a)", "unexpected closing"),
    ("OR a", "both sides"), ("a OR", "both sides"), ("a OR OR b", "both sides"), ("()", "empty parentheses"),
    ("- a", "followed by a word"), ("a -", "followed by a word"), ("x" * 501, "limit is 500"),
    ("(" * 9 + "a" + ")" * 9, "nested deeper"), (" ".join(["w"] * 65), "more than 64"),
])
def test_bad_syntax_is_one_clear_line(bad: str, message: str) -> None:
    with pytest.raises(QueryError, match=message) as info:
        compile_query(bad, whitespace_segment)
    assert "\n" not in str(info.value)


def test_segmentation_splits_words_and_keeps_phrases_ordered() -> None:
    assert compile_query("电梯积水", char_segment) == And((Term("电"), Term("梯"), Term("积"), Term("水")))
    assert compile_query('"漏水"', char_segment) == Phrase("漏水", ("漏", "水"))
    assert compile_query("WiFi ＡＢ", whitespace_segment) == And((Term("wifi"), Term("ab")))


def test_parts_that_segment_to_nothing_are_dropped() -> None:
    drop_punct = lambda text: " ".join(t for t in text.split() if t.isalnum())  # noqa: E731
    assert analyze(parse_query("电梯 ！！ OR 积水"), drop_punct) == And((Term("电梯"), Term("积水")))
    with pytest.raises(QueryError, match="no searchable words"):
        compile_query("！！ ？", drop_punct)


def test_positive_tokens_leave_out_exclusions() -> None:
    node = compile_query('电梯 -积水 "漏 水" OR 噪音', whitespace_segment)
    assert positive_tokens(node) == ["电梯", "漏", "水", "噪音"]


def test_es_rendering() -> None:
    node = compile_query('电梯 -积水 "a b" OR c', whitespace_segment)
    assert text_dsl(node) == {"bool": {
        "must": [{"term": {"tokens": "电梯"}},
                 {"bool": {"should": [{"match_phrase": {"tokens": "a b"}}, {"term": {"tokens": "c"}}],
                           "minimum_should_match": 1}}],
        "must_not": [{"term": {"tokens": "积水"}}]}}
    assert text_dsl(compile_query("-a", whitespace_segment)) == {
        "bool": {"must": [{"match_all": {}}], "must_not": [{"term": {"tokens": "a"}}]}}
    assert full_dsl(MatchAll(), None) == {"match_all": {}}


def test_es_filters() -> None:
    from datetime import datetime, timedelta, timezone

    since = datetime(2024, 3, 1, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    clauses = filter_dsl(Filters(district="南湖区", has_case=False, since=since, until=datetime(2024, 3, 2),
                                 geo=GeoFilter(lat=30.7, lon=120.7, radius_m=500)))
    assert {"term": {"district": "南湖区"}} in clauses and {"term": {"has_case": False}} in clauses
    assert {"range": {"published_at": {"gte": "2024-03-01T00:00:00+00:00", "lt": "2024-03-02T00:00:00+00:00"}}} in clauses
    assert clauses[-1]["geo_distance"]["distance"] == "500.0m"
