"""Synthetic posts at any scale, recombined from the real residents' messages.

Sentences of the 12345 messages in ``../shared/data/wenzheng/`` are segmented once
each, then recombined into posts spread over a year, over the gazetteer's places
and over the 12345 categories. Reusable by any benchmark that needs N realistic
posts (search here; the case engine needs a million too).
"""
from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from index.search.base import SearchDoc
from index.search.query import Segmenter

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO_ROOT / ".." / "shared" / "data" / "wenzheng"
DEMO_GAZETTEER = REPO_ROOT / "demo" / "data" / "gazetteer.csv"
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
_PLACE_TYPES = {"community", "compound", "road", "poi", "intersection"}


class CorpusMissing(FileNotFoundError):
    """The shared messages (or the gazetteer) are not where the generator looks."""


@dataclass(frozen=True)
class Place:
    place_id: str
    name: str
    district: str | None
    street: str | None
    community: str | None
    lat: float
    lon: float


def load_places(gazetteer: Path) -> list[Place]:
    """Leaf places (community, compound, road, poi) with their district/street/community."""
    if not gazetteer.is_file():
        raise CorpusMissing(f"{gazetteer}: gazetteer not found")
    with gazetteer.open(encoding="utf-8") as handle:
        rows = {row["id"]: row for row in csv.DictReader(handle)}
    places = []
    for row in rows.values():
        if row["type"] not in _PLACE_TYPES or not row["lat"]:
            continue
        chain: dict[str, str] = {}
        node: dict[str, str] | None = row
        while node is not None:
            chain.setdefault(node["type"], node["name"])
            node = rows.get(node["parent_id"])
        places.append(Place(row["id"], row["name"], chain.get("district"), chain.get("street"),
                            chain.get("community"), float(row["lat"]), float(row["lon"])))
    if not places:
        raise CorpusMissing(f"{gazetteer}: no places with coordinates")
    return places


def load_sentences(data_dir: Path, min_chars: int = 6, max_chars: int = 160) -> list[str]:
    """Distinct sentences of every message text (messages.jsonl, replied_messages.jsonl)."""
    files = [data_dir / "messages.jsonl", data_dir / "replied_messages.jsonl"]
    if not files[0].is_file():
        raise CorpusMissing(f"{files[0]}: residents' messages not found (shared data missing)")
    seen: dict[str, None] = {}
    for path in files:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            for sentence in _SENTENCE_END.split(json.loads(line).get("text", "")):
                sentence = sentence.strip()
                if min_chars <= len(sentence) <= max_chars:
                    seen.setdefault(sentence, None)
    return list(seen)


def load_categories(data_dir: Path) -> list[tuple[str, str, str]]:
    path = data_dir / "categories.csv"
    if not path.is_file():
        raise CorpusMissing(f"{path}: categories not found")
    with path.open(encoding="utf-8") as handle:
        return [(r["level1"], r["level2"], r["level3"]) for r in csv.DictReader(handle)]


class PostGenerator:
    """Deterministic (by seed) stream of SearchDocs built from real sentences."""

    def __init__(self, segment: Segmenter, data_dir: Path = SHARED_DATA, gazetteer: Path = DEMO_GAZETTEER,
                 *, seed: int = 0, end: datetime | None = None, days: int = 365, sources: int = 12) -> None:
        self.segment, self.seed, self.days, self.sources = segment, seed, days, sources
        self.end = end or datetime(2025, 6, 30, tzinfo=timezone.utc)
        self.data_dir, self.gazetteer = Path(data_dir), Path(gazetteer)
        self.sentences: list[tuple[str, str]] = []
        self.places: list[tuple[Place, str]] = []
        self.categories: list[tuple[str, str, str]] = []

    def initialize(self) -> "PostGenerator":
        """Read the data and segment each sentence and place name once."""
        self.sentences = [(s, self.segment(s)) for s in load_sentences(self.data_dir)]
        self.places = [(p, self.segment(p.name)) for p in load_places(self.gazetteer)]
        self.categories = load_categories(self.data_dir)
        return self

    def docs(self, n: int, first_id: int = 1) -> Iterator[SearchDoc]:
        if not self.sentences:
            self.initialize()
        rng = random.Random(self.seed)
        span = self.days * 86400
        start = self.end - timedelta(seconds=span)
        for doc_id in range(first_id, first_id + n):
            parts = rng.sample(self.sentences, rng.randint(1, 4))
            place, place_tokens = rng.choice(self.places)
            level1, level2, level3 = rng.choice(self.categories)
            source = rng.randrange(self.sources)
            jitter = rng.uniform(-0.004, 0.004)
            yield SearchDoc(
                id=doc_id, source_id=f"source-{source:02d}", kind=rng.choice(("thread", "reply", "comment")),
                title=parts[0][0][:30], text=place.name + "".join(text for text, _ in parts),
                tokens=place_tokens + " " + " ".join(tokens for _, tokens in parts),
                author_id=f"u{int(rng.paretovariate(1.2) * 100) % 200_000}",
                published_at=start + timedelta(seconds=rng.randrange(span)),
                level1=level1, level2=level2, level3=level3, district=place.district, street=place.street,
                community=place.community, place_id=place.place_id, place_name=place.name,
                lat=place.lat + jitter, lon=place.lon + jitter, is_complaint=rng.random() < 0.7,
                urgency=rng.choices(("normal", "high", "critical"), (0.85, 0.13, 0.02))[0],
                case_id=f"case-{doc_id}" if rng.random() < 0.05 else None,
            )

    def chunks(self, n: int, size: int = 10_000) -> Iterator[list[SearchDoc]]:
        """``docs(n)`` in lists of ``size`` (one ingest batch each)."""
        batch: list[SearchDoc] = []
        for doc in self.docs(n):
            batch.append(doc)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch
