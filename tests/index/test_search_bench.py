"""The benchmark's corpus generator and FTS5 baseline (small sizes; the 1M run is `make bench`)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from index.search.base import Filters
from index.search.bench import bench_search, query_cases
from index.search.bench_corpus import DEMO_GAZETTEER, CorpusMissing, PostGenerator, load_places
from index.search.fts5_baseline import Fts5Baseline
from index.search.tantivy_engine import TantivyIndex
from tests.index.conftest import char_segment


@pytest.fixture(scope="module")
def generator() -> PostGenerator:
    from tests.conftest import SHARED

    if not (SHARED / "messages.jsonl").is_file():
        pytest.skip(f"shared data not found at {SHARED}")
    return PostGenerator(char_segment, SHARED, seed=3).initialize()


def test_places_carry_their_district_street_and_community() -> None:
    places = {p.name: p for p in load_places(DEMO_GAZETTEER)}
    assert places and all(p.district in ("南湖区", "秀洲区") for p in places.values())
    assert any(p.community for p in places.values()) and any(p.street for p in places.values())


def test_generator_is_deterministic_and_spread(generator: PostGenerator) -> None:
    first = list(generator.docs(2000))
    assert [d.model_dump() for d in first[:50]] == [d.model_dump() for d in generator.docs(50)]
    assert len({d.district for d in first}) == 2 and len({d.level1 for d in first}) >= 10
    span = max(d.published_at for d in first) - min(d.published_at for d in first)
    assert span > timedelta(days=330)
    assert all(d.tokens.replace(" ", "") == "".join(c for c in d.text if c.isalnum()) for d in first[:200])  # tokens cover the text
    assert sum(len(b) for b in generator.chunks(2500, size=1000)) == 2500


def test_missing_data_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CorpusMissing, match="messages"):
        PostGenerator(char_segment, tmp_path).initialize()


def test_fts5_baseline_counts_what_tantivy_counts(generator: PostGenerator, tmp_path: Path) -> None:
    docs = list(generator.docs(3000))
    index = TantivyIndex(tmp_path / "ix", char_segment, heap_bytes=50_000_000, threads=1)
    index.upsert(docs)
    index.commit()
    baseline = Fts5Baseline(tmp_path / "fts.db")
    baseline.add(docs)
    for words, district, since, until in query_cases(generator, 3000, 15):
        filters = Filters(district=district, since=since, until=until)
        fts = baseline.search(words, district, int(since.timestamp()), int(until.timestamp()))
        assert fts["total"] == index.count(" ".join(words), filters) >= 1
    baseline.close()
    index.close()


@pytest.mark.slow
def test_bench_search_reports_every_figure(generator: PostGenerator, tmp_path: Path) -> None:
    result = bench_search(5000, tmp_path, data_dir=generator.data_dir, segment=char_segment, queries=30)
    for engine in ("tantivy", "fts5"):
        assert {"docs_per_s", "query_p50_ms", "query_p99_ms", "trend_p50_ms", "size_bytes"} <= set(result[engine])
        assert result[engine]["query_p99_ms"] >= result[engine]["query_p50_ms"] > 0
    assert result["tantivy"]["hits_mean"] >= 1 and result["p99_speedup_vs_fts5"] > 0
