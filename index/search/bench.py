"""`make bench` for search: tantivy vs the SQLite FTS5 baseline (and the ES emulator).

``bench_search`` generates N posts from the real residents' messages, bulk-indexes
them into each engine and measures, per engine, indexing throughput, p50/p99 of a
two-word query with a 30-day range, a district filter and category facets, the
daily trend aggregation, and the size on disk. ``bench_search_suite`` formats that
for ``minsheng bench``.
"""
from __future__ import annotations

import random
import shutil
import statistics
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from index.search.base import Filters, SearchDoc, SearchQuery
from index.search.bench_corpus import SHARED_DATA, CorpusMissing, PostGenerator
from index.search.fts5_baseline import Fts5Baseline
from index.search.query import Segmenter
from index.search.tantivy_engine import TantivyIndex

QueryCase = tuple[list[str], str | None, Any, Any]  # words, district, since, until


def jieba_segment() -> Segmenter:
    """A plain jieba segmenter (no gazetteer dictionary) for when none is passed in."""
    import jieba  # noqa: PLC0415  (loads its dictionary: only when benchmarking)

    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return lambda text: " ".join(w.lower() for w in tokenizer.lcut(text) if w.strip() and any(c.isalnum() for c in w))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def query_cases(generator: PostGenerator, n_posts: int, count: int, seed: int = 1) -> list[QueryCase]:
    """Two-word queries that occur together in some post, with a 30-day window ending
    after that post and the post's district: realistic, never trivially empty."""
    rng = random.Random(seed)
    # Post times are random, so the first posts already span the whole year.
    pool = min(n_posts, 50_000)
    sample_ids = set(rng.sample(range(1, pool + 1), min(count * 2, pool)))
    cases: list[QueryCase] = []
    for doc in generator.docs(pool):
        if doc.id not in sample_ids:
            continue
        tokens = set(doc.tokens.split())
        words = sorted({t for t in tokens if len(t) >= 2}) or sorted(tokens)  # single-char segmenters
        if len(words) < 2:
            continue
        until = doc.published_at + timedelta(days=rng.randint(1, 29))
        cases.append((rng.sample(words, 2), doc.district, until - timedelta(days=30), until))
        if len(cases) >= count:
            break
    return cases


FTS5_QUERIES = 60


def _timed(run: Callable[[QueryCase], Any], cases: list[QueryCase]) -> dict[str, float]:
    if not cases:
        raise ValueError("no benchmark queries: the generated posts have fewer than two words each")
    for case in cases[:5]:
        run(case)  # warm caches: steady state is what staff see
    samples = []
    for case in cases:
        start = time.perf_counter()
        run(case)
        samples.append((time.perf_counter() - start) * 1000)
    return {"p50_ms": statistics.median(samples), "p99_ms": percentile(samples, 0.99)}


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _load(add: Callable[[list[SearchDoc]], None], generator: PostGenerator, n_posts: int) -> float:
    """Docs per second of ``add`` over all batches, generation time excluded."""
    spent = 0.0
    for batch in generator.chunks(n_posts):
        start = time.perf_counter()
        add(batch)
        spent += time.perf_counter() - start
    return n_posts / spent if spent else 0.0


def _engine_figures(engine: Any, generator: PostGenerator, n_posts: int, cases: list[QueryCase]) -> dict[str, float]:
    def add(batch: list[SearchDoc]) -> None:
        engine.upsert(batch)
        engine.commit()

    # The bulk path `minsheng reindex` takes (one writer across batches where the engine has it).
    with getattr(engine, "bulk", nullcontext)():
        figures: dict[str, float] = {"docs_per_s": _load(add, generator, n_posts)}
    if hasattr(engine, "refresh"):
        engine.refresh()

    def search(case: QueryCase) -> Any:
        words, district, since, until = case
        return engine.search(SearchQuery(query=" ".join(words), facets=["level1", "level2"], size=20,
                                         filters=Filters(district=district, since=since, until=until)))

    def trend(case: QueryCase) -> Any:
        return engine.date_histogram(case[0][0], Filters(district=case[1]), "day")

    figures.update({f"query_{k}": v for k, v in _timed(search, cases).items()})
    figures.update({f"trend_{k}": v for k, v in _timed(trend, cases[:50]).items()})
    figures["hits_mean"] = statistics.mean(engine.count(" ".join(c[0]), Filters(district=c[1], since=c[2], until=c[3]))
                                           for c in cases[:20])
    return figures


def _fts5_figures(path: Path, generator: PostGenerator, n_posts: int, cases: list[QueryCase]) -> dict[str, float]:
    baseline = Fts5Baseline(path)
    try:
        figures: dict[str, float] = {"docs_per_s": _load(baseline.add, generator, n_posts)}
        epoch = lambda moment: int(moment.timestamp())  # noqa: E731
        figures.update({f"query_{k}": v for k, v in _timed(
            lambda c: baseline.search(c[0], c[1], epoch(c[2]), epoch(c[3])), cases).items()})
        figures.update({f"trend_{k}": v for k, v in _timed(
            lambda c: baseline.trend(c[0][:1], c[1], 0, 2**40), cases[:50]).items()})
        figures["size_bytes"] = baseline.size_bytes()
        return figures
    finally:
        baseline.close()


def bench_search(n_posts: int, work_dir: Path, *, data_dir: Path = SHARED_DATA, segment: Segmenter | None = None,
                 queries: int = 200, es_url: str | None = None, es_posts: int | None = None) -> dict[str, Any]:
    """Run the search benchmark; returns {"tantivy": {...}, "fts5": {...}, "emulator"?: {...}, ...}.

    ``es_url`` adds an Elasticsearch-API run over ``es_posts`` posts (default: all);
    raises CorpusMissing when the shared messages are not there.
    """
    generator = PostGenerator(segment or jieba_segment(), data_dir).initialize()
    cases = query_cases(generator, n_posts, queries)
    work_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"n_posts": n_posts, "queries": len(cases), "sentences": len(generator.sentences)}

    index = TantivyIndex(work_dir / "tantivy", generator.segment, heap_bytes=512_000_000)
    try:
        result["tantivy"] = _engine_figures(index, generator, n_posts, cases)
        index.close()
        result["tantivy"]["size_bytes"] = _dir_size(work_dir / "tantivy")
    finally:
        index.close()
        shutil.rmtree(work_dir / "tantivy", ignore_errors=True)
    # The baseline answers in seconds at 1M posts: the first FTS5_QUERIES cases are
    # enough for its median and p99, and 200 of them took over half an hour.
    result["fts5"] = _fts5_figures(work_dir / "fts5.db", generator, n_posts, cases[:FTS5_QUERIES])
    result["fts5_queries"] = min(len(cases), FTS5_QUERIES)
    result["p99_speedup_vs_fts5"] = result["fts5"]["query_p99_ms"] / max(result["tantivy"]["query_p99_ms"], 1e-9)

    if es_url is not None:
        from index.search.emulator import is_emulator  # noqa: PLC0415
        from index.search.es_engine import ElasticIndex  # noqa: PLC0415

        es_n = min(n_posts, es_posts or n_posts)
        es_cases = query_cases(generator, es_n, queries)
        es = ElasticIndex(es_url, f"bench-{uuid.uuid4().hex[:8]}", segment=generator.segment, replicas=0)
        try:
            figures = _engine_figures(es, generator, es_n, es_cases)
            figures.update(n_posts=es_n, emulator=is_emulator(es_url))
            result["elasticsearch"] = figures
        finally:
            es.destroy()
            es.close()
    return result


def bench_search_suite(ctx: Any) -> Any:
    """``minsheng bench`` entry: 1M posts (20k with --quick), emulator figures at 100k."""
    from api.cli.bench import Figure, Section  # noqa: PLC0415  (the CLI owns the report format)
    from index.search.emulator import EmulatorUnavailable, emulator_command, es_emulator  # noqa: PLC0415

    n_posts = 20_000 if ctx.quick else 1_000_000
    section = Section(title=f"Search ({n_posts:,} posts)")
    try:
        if emulator_command() is not None:
            with es_emulator(ctx.work_dir / "noida") as url:
                result = bench_search(n_posts, ctx.work_dir / "search", data_dir=ctx.shared_dir,
                                      es_url=url, es_posts=min(n_posts, 100_000))
        else:
            result = bench_search(n_posts, ctx.work_dir / "search", data_dir=ctx.shared_dir)
    except (CorpusMissing, EmulatorUnavailable) as exc:
        section.notes.append(f"skipped: {exc}")
        return section
    tv, fts = result["tantivy"], result["fts5"]
    section.figures += [
        Figure("tantivy bulk index", tv["docs_per_s"], "posts/s", fts["docs_per_s"], "FTS5", "≥ 10,000/s",
               tv["docs_per_s"] >= 10_000),
        Figure("tantivy query p50", tv["query_p50_ms"], "ms", fts["query_p50_ms"], "FTS5"),
        Figure("tantivy query p99", tv["query_p99_ms"], "ms", fts["query_p99_ms"], "FTS5",
               "≤ 20 ms and ≥ 5× faster", tv["query_p99_ms"] <= 20 and result["p99_speedup_vs_fts5"] >= 5),
        Figure("tantivy trend p50", tv["trend_p50_ms"], "ms", fts["trend_p50_ms"], "FTS5"),
        Figure("tantivy trend p99", tv["trend_p99_ms"], "ms", fts["trend_p99_ms"], "FTS5"),
        Figure("tantivy size on disk", tv["size_bytes"] / 2**20, "MiB", fts["size_bytes"] / 2**20, "FTS5"),
    ]
    es = result.get("elasticsearch")
    if es:
        label = "ES emulator (noida-db)" if es["emulator"] else "Elasticsearch"
        section.figures += [Figure(f"{label} bulk index ({es['n_posts']:,} posts)", es["docs_per_s"], "posts/s"),
                            Figure(f"{label} query p50", es["query_p50_ms"], "ms"),
                            Figure(f"{label} query p99", es["query_p99_ms"], "ms"),
                            Figure(f"{label} trend p50", es["trend_p50_ms"], "ms")]
    section.notes += [
        f"Query: two words that co-occur in a post, 30-day range, district filter, level1/level2 facets, "
        f"top 20 with highlights; {result['queries']} queries ({result.get('fts5_queries', result['queries'])} "
        f"on FTS5). Trend: one word, one district, daily buckets over the year.",
        f"Posts recombined from {result['sentences']:,} sentences of the shared residents' messages, segmented by jieba.",
        "Emulator figures show the client path only; production runs a real Elasticsearch cluster.",
    ]
    return section
