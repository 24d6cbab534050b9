"""Topic groups of near-duplicate messages, and a train/dev split that keeps groups whole.

Residents post the same issue many times (reworded, re-titled, by the same or other
users). A random split would put copies of one issue on both sides and inflate dev
scores, so messages are first grouped: character 3-gram shingle sets are compared via
MinHash LSH (candidate pairs), confirmed by exact Jaccard, and also linked when the same
user posts two messages whose titles share most of their character bigrams.
"""
from __future__ import annotations

import random
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_PRIME = (1 << 61) - 1


@dataclass(frozen=True, slots=True)
class Doc:
    """What grouping needs of a message."""

    key: str
    text: str
    user: str = ""
    title: str = ""


def shingles(text: str, size: int = 3) -> set[int]:
    """Hashed character n-grams of the text without punctuation or spaces."""
    clean = _NOISE.sub("", text.lower())
    if len(clean) < size:
        return {zlib.crc32(clean.encode("utf-8"))} if clean else set()
    return {zlib.crc32(clean[i:i + size].encode("utf-8")) for i in range(len(clean) - size + 1)}


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _minhash(sets: Sequence[set[int]], permutations: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _PRIME, size=permutations, dtype=np.uint64)
    b = rng.integers(0, _PRIME, size=permutations, dtype=np.uint64)
    signatures = np.full((len(sets), permutations), np.iinfo(np.uint64).max, dtype=np.uint64)
    for row, items in enumerate(sets):
        if items:
            x = np.fromiter(items, dtype=np.uint64, count=len(items))[:, None]
            # uint64 wrap-around is fine: any fixed family of mixing functions will do.
            signatures[row] = ((x * a + b) % np.uint64(_PRIME)).min(axis=0)
    return signatures


def topic_groups(docs: Sequence[Doc], threshold: float = 0.4, title_threshold: float = 0.5,
                 bands: int = 32, rows: int = 2, seed: int = 13) -> list[int]:
    """A group number per doc (the smallest doc index of its group): near-duplicates share one.

    ``threshold`` is the 3-gram Jaccard above which two texts are the same topic;
    ``bands`` x ``rows`` MinHash LSH must find pairs well below it (recall over precision:
    every candidate is checked exactly).
    """
    sets = [shingles(doc.text) for doc in docs]
    groups = _UnionFind(len(docs))
    signatures = _minhash(sets, bands * rows, seed)
    candidates: set[tuple[int, int]] = set()
    for band in range(bands):
        buckets: dict[bytes, list[int]] = defaultdict(list)
        for index in range(len(docs)):
            if sets[index]:
                buckets[signatures[index, band * rows:(band + 1) * rows].tobytes()].append(index)
        for members in buckets.values():
            # A huge bucket means boilerplate shingles; pairs inside are still checked exactly.
            for i, first in enumerate(members):
                for second in members[i + 1:]:
                    candidates.add((first, second))
    for first, second in candidates:
        if groups.find(first) != groups.find(second) and jaccard(sets[first], sets[second]) >= threshold:
            groups.union(first, second)
    by_user: dict[str, list[int]] = defaultdict(list)
    for index, doc in enumerate(docs):
        if doc.user and doc.title:
            by_user[doc.user].append(index)
    for members in by_user.values():
        titles = {index: shingles(docs[index].title, 2) for index in members}
        for i, first in enumerate(members):
            for second in members[i + 1:]:
                if jaccard(titles[first], titles[second]) >= title_threshold:
                    groups.union(first, second)
    return [groups.find(index) for index in range(len(docs))]


def split_groups(groups: Sequence[int], strata: Sequence[str], dev_fraction: float = 0.2,
                 seed: int = 7) -> tuple[list[int], list[int]]:
    """(train indices, dev indices): whole groups go to one side, ~dev_fraction per stratum.

    Each group is assigned to the stratum of its most common label; within a stratum
    groups are shuffled with a fixed seed and taken for dev until the stratum's quota is
    met, so even thin classes get a dev example when they have two groups or more.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    by_stratum: dict[str, list[int]] = defaultdict(list)
    for group, indices in sorted(members.items()):
        label = Counter(strata[i] for i in indices).most_common(1)[0][0]
        by_stratum[label].append(group)
    rng = random.Random(seed)
    dev: list[int] = []
    for label in sorted(by_stratum):
        stratum_groups = by_stratum[label]
        rng.shuffle(stratum_groups)
        total = sum(len(members[g]) for g in stratum_groups)
        quota = max(1, round(total * dev_fraction)) if len(stratum_groups) > 1 else 0
        taken = 0
        for group in stratum_groups:
            if taken >= quota:
                break
            # Skip a group that would overshoot a small quota by a lot; a later one may fit.
            if taken and taken + len(members[group]) > quota * 1.5:
                continue
            dev.extend(members[group])
            taken += len(members[group])
    dev_set = set(dev)
    return [i for i in range(len(groups)) if i not in dev_set], sorted(dev_set)
