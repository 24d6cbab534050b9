"""The SearchIndex contract, run on every engine: hits, counts, facets and trends must
equal a plain-Python reference evaluation over the same corpus, so both engines agree."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from index.search.aggregations import SHANGHAI
from index.search.base import Filters, GeoFilter, SearchDoc, SearchIndex, SearchQuery
from index.search.geo import haversine_m
from index.search.indexing import prepare
from index.search.query import And, MatchAll, Node, Not, Or, Phrase, QueryError, Term, compile_query
from tests.index.conftest import whitespace_segment

UTC = timezone.utc
START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
WORDS = ["电梯", "积水", "漏水", "噪音", "停车", "欠薪", "路灯", "小区", "中央城", "物业", "WiFi", "ok"]
CENTRE = (30.7500, 120.7600)


def _offset(lat: float, lon: float, north_m: float) -> tuple[float, float]:
    return lat + north_m / 111_195.0, lon


def make_corpus(n: int = 80, seed: int = 7) -> list[SearchDoc]:
    rng = random.Random(seed)
    docs = []
    for i in range(1, n + 1):
        tokens = rng.sample(WORDS, rng.randint(1, 5))
        if i % 7 == 0:
            tokens = ["电梯", "漏水"] + tokens  # guaranteed phrase hits
        lat = lon = None
        if i % 3:
            lat, lon = _offset(*CENTRE, rng.choice([100, 900, 990, 1010, 1500, 5000, -990, -1010]))
        text = "，".join(tokens) + ("<script>alert(1)</script>" if i % 11 == 0 else "")
        docs.append(SearchDoc(
            id=i, source_id=rng.choice(["forum", "video"]), kind=rng.choice(["thread", "reply", "comment"]),
            title=tokens[0] + "问题", text=text, tokens=" ".join([tokens[0], "问题", *tokens]),
            author_id=f"u{rng.randint(1, 6)}", author_name="居民",
            published_at=START + timedelta(minutes=97 * i), level1=rng.choice(["城乡建设", "劳动和社会保障", "环境保护", None]),
            level2=rng.choice(["住房", "工资", None]), district=rng.choice(["南湖区", "秀洲区", None]),
            street=rng.choice(["建设街道", "新嘉街道", None]), community=rng.choice(["中央城社区", None]),
            lat=lat, lon=lon, is_complaint=rng.random() < 0.6, urgency=rng.choice(["normal", "high"]),
            case_id=f"C{i}" if i % 5 == 0 else None,
        ))
    return docs


# -- the reference evaluation -----------------------------------------------------------
def _matches(node: Node, tokens: list[str]) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, Term):
        return node.token in tokens
    if isinstance(node, Phrase):
        n = len(node.tokens)
        return any(tuple(tokens[i:i + n]) == node.tokens for i in range(len(tokens) - n + 1))
    if isinstance(node, Not):
        return not _matches(node.child, tokens)
    if isinstance(node, And):
        return all(_matches(c, tokens) for c in node.children)
    if isinstance(node, Or):
        return any(_matches(c, tokens) for c in node.children)
    raise TypeError(node)


def _passes(doc: SearchDoc, f: Filters) -> bool:
    for field in ("level1", "level2", "level3", "district", "street", "community", "source_id", "kind", "urgency"):
        if getattr(f, field) and getattr(doc, field) != getattr(f, field):
            return False
    if f.is_complaint is not None and doc.is_complaint != f.is_complaint:
        return False
    if f.has_case is not None and bool(doc.case_id) != f.has_case:
        return False
    if f.since and doc.published_at < f.since or f.until and doc.published_at >= f.until:
        return False
    if f.geo and (doc.lat is None or haversine_m(f.geo.lat, f.geo.lon, doc.lat, doc.lon) > f.geo.radius_m):
        return False
    return True


def expected(docs: list[SearchDoc], query: str, filters: Filters | None = None) -> list[SearchDoc]:
    """Matching docs, newest first (then highest id), as the engines sort by time."""
    node = compile_query(query, whitespace_segment)
    found = [d for d in docs if _matches(node, prepare(d).tokens.split()) and _passes(d, filters or Filters())]
    return sorted(found, key=lambda d: (d.published_at, d.id), reverse=True)


@pytest.fixture
def corpus() -> list[SearchDoc]:
    return make_corpus()


@pytest.fixture
def loaded(engine: SearchIndex, corpus: list[SearchDoc]) -> SearchIndex:
    engine.upsert(corpus[:50])
    engine.commit()
    engine.upsert(corpus[50:])  # two ingest batches, two commits
    engine.commit()
    return engine


QUERIES = ["", "电梯", "电梯 积水", "积水 OR 漏水", "电梯 积水 OR 噪音", "\"电梯 漏水\"", "\"漏水 电梯\"",
           "-电梯", "小区 -物业", "(电梯 OR 路灯) -(积水 OR 噪音)", "wifi", "WIFI OK", "不存在的词"]
FILTERS = [
    Filters(), Filters(district="南湖区"), Filters(level1="城乡建设", is_complaint=True),
    Filters(has_case=True), Filters(has_case=False, urgency="high"), Filters(source_id="video", kind="reply"),
    Filters(street="建设街道", community="中央城社区"), Filters(level2="住房"),
    Filters(since=START + timedelta(hours=24), until=START + timedelta(hours=60)),
    Filters(geo=GeoFilter(lat=CENTRE[0], lon=CENTRE[1], radius_m=1000)),
]


@pytest.mark.parametrize("query", QUERIES)
def test_query_hits_and_counts_match_reference(loaded: SearchIndex, corpus: list[SearchDoc], query: str) -> None:
    want = expected(corpus, query)
    assert loaded.count(query) == len(want)
    result = loaded.search(SearchQuery(query=query, sort="time", size=100, highlight=False))
    assert result.total == len(want)
    assert [h.id for h in result.hits] == [d.id for d in want]
    by_relevance = loaded.search(SearchQuery(query=query, size=100, highlight=False))
    assert sorted(h.id for h in by_relevance.hits) == sorted(d.id for d in want)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f.model_dump(exclude_none=True)) or "none")
def test_filters_match_reference(loaded: SearchIndex, corpus: list[SearchDoc], filters: Filters) -> None:
    for query in ("", "电梯 OR 积水"):
        want = expected(corpus, query, filters)
        result = loaded.search(SearchQuery(query=query, filters=filters, sort="time", size=100))
        assert (result.total, [h.id for h in result.hits]) == (len(want), [d.id for d in want])
        assert loaded.count(query, filters) == len(want)


def test_geo_filter_is_exact_at_the_edge(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    ids = {h.id for h in loaded.search(SearchQuery(filters=FILTERS[-1], size=100)).hits}
    distances = {d.id: haversine_m(*CENTRE, d.lat, d.lon) for d in corpus if d.lat is not None}
    assert ids == {i for i, m in distances.items() if m <= 1000}
    assert any(990 < m < 1000 for m in distances.values()) and any(1000 < m < 1020 for m in distances.values())


def test_facets_and_terms_match_reference(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    fields = ["district", "level1", "source_id", "author_id", "street", "community", "level2"]
    filters = Filters(is_complaint=True)
    result = loaded.search(SearchQuery(query="电梯 OR 积水", filters=filters, facets=fields, size=1))
    want_docs = expected(corpus, "电梯 OR 积水", filters)
    for field in fields:
        counts = Counter(getattr(d, field) for d in want_docs if getattr(d, field))
        want = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        assert result.facets[field] == want[:20]
        assert loaded.terms(field, "电梯 OR 积水", filters, size=2) == want[:2]


@pytest.mark.parametrize("interval", ["day", "hour"])
def test_trend_buckets_are_shanghai_time(loaded: SearchIndex, corpus: list[SearchDoc], interval: str) -> None:
    since, until = START + timedelta(hours=3), START + timedelta(days=4)
    filters = Filters(since=since, until=until)
    buckets = loaded.date_histogram("积水", filters, interval)
    counts: Counter[datetime] = Counter()
    for doc in expected(corpus, "积水", filters):
        local = doc.published_at.astimezone(SHANGHAI)
        counts[local.replace(minute=0, second=0) if interval == "hour" else local.replace(hour=0, minute=0, second=0)] += 1
    step = timedelta(hours=1) if interval == "hour" else timedelta(days=1)
    assert all(b.start.utcoffset() == timedelta(hours=8) for b in buckets)
    assert all(later.start - earlier.start == step for earlier, later in zip(buckets, buckets[1:]))
    assert {b.start: b.count for b in buckets if b.count} == dict(counts)
    assert sum(b.count for b in buckets) == len(expected(corpus, "积水", filters))
    if interval == "day":  # 2024-03-01 12:00 UTC is 20:00 in Shanghai: the first day starts 3-01 00:00 +08
        assert buckets[0].start == datetime(2024, 3, 1, tzinfo=SHANGHAI)


def test_pages_follow_time_order(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    want = [d.id for d in expected(corpus, "")]
    pages = [loaded.search(SearchQuery(sort="time", page=p, size=7, highlight=False)) for p in (1, 2, 13)]
    assert [h.id for h in pages[0].hits] == want[:7] and [h.id for h in pages[1].hits] == want[7:14]
    assert pages[2].hits == [] and pages[2].total == len(want)
    with pytest.raises(QueryError, match="beyond"):
        loaded.search(SearchQuery(page=200, size=100))


def test_upsert_replaces_and_delete_removes(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    first = corpus[0]
    loaded.upsert([first.model_copy(update={"tokens": "全新 内容", "district": "秀洲区"})])
    loaded.delete([2, 3, 9999])  # an unknown id is not an error
    loaded.commit()
    assert loaded.count("") == len(corpus) - 2
    assert [h.id for h in loaded.search(SearchQuery(query="全新")).hits] == [first.id]
    assert loaded.count("", Filters(district="秀洲区")) == len([d for d in corpus[2:] if d.district == "秀洲区"]) + 1


def test_hits_round_trip_and_highlight_escapes(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    hostile = next(d for d in corpus if "<script>" in d.text)
    word = hostile.tokens.split()[0]
    hit = next(h for h in loaded.search(SearchQuery(query=word, size=100)).hits if h.id == hostile.id)
    assert hit.doc.title == hostile.title and hit.doc.text == hostile.text and hit.doc.lat == hostile.lat
    assert hit.doc.published_at == hostile.published_at and hit.doc.case_id == hostile.case_id
    assert "<script>" not in hit.highlights["text"] and "&lt;script&gt;" in hit.highlights["text"]
    assert f"<em>{word}</em>" in hit.highlights["title"]


def test_bad_query_is_a_clear_error(loaded: SearchIndex) -> None:
    for bad in ('"电梯', "(电梯", "电梯 OR", "x" * 600):
        with pytest.raises(QueryError) as info:
            loaded.search(SearchQuery(query=bad))
        assert "\n" not in str(info.value)
    assert loaded.count("") == 80  # nothing lost


def test_reindex_replaces_everything(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    assert loaded.reindex(iter(corpus[:10])) == 10
    loaded.commit()
    assert loaded.count("") == 10
    assert loaded.health()["ok"] is True and loaded.health()["docs"] == 10
    loaded.clear()
    assert loaded.count("") == 0


def test_saved_searches_match_only_the_batch(loaded: SearchIndex, corpus: list[SearchDoc]) -> None:
    batch = [d.model_copy(update={"id": 1000 + d.id, "published_at": d.published_at + timedelta(days=30)})
             for d in corpus[:12]]
    saved = [(1, "电梯", Filters()), (2, "积水 OR 漏水", Filters(district="南湖区")),
             (3, "\"电梯 漏水\"", Filters()), (4, "不存在的词", Filters()), (5, "(未闭合", Filters()),
             (6, "", Filters(geo=GeoFilter(lat=CENTRE[0], lon=CENTRE[1], radius_m=1000)))]
    want = sorted((sid, d.id) for sid, text, f in saved if sid != 5 for d in expected(batch, text, f))
    assert loaded.match_saved(batch, saved) == want
    assert loaded.match_saved([], saved) == []
    assert loaded.count("") == 80  # matching never writes to the index


@pytest.mark.real_es
def test_percolator_is_used_on_real_elasticsearch(make_engine, es_url: str | None, es_is_emulator: bool,
                                                  corpus: list[SearchDoc]) -> None:
    if es_url is None or es_is_emulator:
        pytest.skip("needs a real Elasticsearch (the emulator has no percolator)")
    engine = make_engine("elasticsearch")
    want = sorted((1, d.id) for d in expected(corpus[:30], "\"电梯 漏水\""))
    assert want and engine.match_saved(corpus[:30], [(1, "\"电梯 漏水\"", Filters())]) == want
    assert engine.percolator.supported is True
