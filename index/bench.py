"""The ingest path's throughput, for `minsheng bench` (suite "ingest").

Real residents' messages go through the whole of ``ingest()`` (normalise, upsert, tag,
cases, search index) in batches; the baseline is the store's upsert alone on the same
batches, in the same process, so the ratio shows what tagging, cases and indexing cost.
"""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from crawlers.items import RawPost
from index.normalise import normalise_post

BATCH = 200


def message_posts(shared_dir: Path, count: int, source_id: str, seed: int = 11) -> list[RawPost]:
    """Posts built from real messages, spread over the last 30 days."""
    lines = (shared_dir / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    posts = []
    for number in range(count):
        row = json.loads(lines[number % len(lines)])
        posts.append(RawPost(
            source_id=source_id, external_id=f"m{number}", kind="thread", title=row["title"],
            text=row["text"][:400], author_id=row["user"], author_name=row["user"],
            published_at=now - timedelta(minutes=rng.randrange(30 * 24 * 60))))
    return posts


def _batches(posts: list[RawPost]) -> list[list[RawPost]]:
    return [posts[i:i + BATCH] for i in range(0, len(posts), BATCH)]


def bench_ingest(ctx: Any) -> Any:
    from api.cli.bench import Figure, Section
    from api.runtime import Runtime
    from api.settings import load_settings
    from index.store import Store
    from index.upsert import upsert_posts

    section = Section("Ingest (whole path: normalise, upsert, tag, cases, index)")
    if not (ctx.shared_dir / "messages.jsonl").is_file():
        section.notes.append(f"skipped: shared messages not found at {ctx.shared_dir}")
        return section
    count = 1000 if ctx.quick else 4000
    posts = message_posts(ctx.shared_dir, count, "bench")
    baseline_store = Store(f"sqlite:///{ctx.work_dir / 'baseline.db'}")
    started = time.perf_counter()
    for batch in _batches(posts):
        with baseline_store.session() as session:
            baseline_store.ensure_source(session, "bench", "feed", now=datetime.now(timezone.utc))
            upsert_posts(session, [normalise_post(p) for p in batch], now=datetime.now(timezone.utc))
    baseline_rate = count / (time.perf_counter() - started)
    baseline_store.close()

    settings = load_settings(ctx.settings.config_path, home=ctx.work_dir / "ingest-home", sources=[])
    runtime = Runtime(settings)
    runtime.tagger  # start-up is not ingest work
    started = time.perf_counter()
    for batch in _batches(posts):
        runtime.ingest(batch)
    rate = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for batch in _batches(posts):
        runtime.ingest(batch)
    again_rate = count / (time.perf_counter() - started)
    runtime.close()
    section.figures += [
        Figure("first ingest", rate, "posts/s", baseline_rate, "store upsert alone"),
        Figure("re-ingest of the same posts (all unchanged)", again_rate, "posts/s", rate, "first ingest"),
    ]
    section.notes.append(f"{count:,} posts from real messages in batches of {BATCH}, SQLite + tantivy under a temp home.")
    return section
