"""Mention swapping for the place tagger's training posts: the same post with other names.

Each training set teaches the tagger about ~100 names of one city, so it learns those
names by heart more than it learns where a name stands (住在…, …门口, …与…交叉口) and
what shapes names take. Swapping a post's place mentions for names from the other
training sets' posts (a road for a road with the same last character, a compound for a
compound) gives the same context with names the city's segmenter does not know, which
is just what a city never seen looks like. Trained on 13 cities and measured on four
others, two swapped copies of each post raised the outside-gazetteer mentions found from
73 % to 80 %; on the four holdout cities of that time, from 60–75 % to 66–78 %.
"""
from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence


class NamePool:
    """Place names seen in training posts, grouped by their type and last character."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], list[str]] = defaultdict(list)

    def add(self, spans: Iterable[str], types: Mapping[str, str] | None = None) -> None:
        for span in spans:
            if len(span) >= 2:  # one character says nothing about a name's shape
                self._names[_key(span, types)].append(span)

    def pick(self, span: str, types: Mapping[str, str] | None, rng: random.Random) -> str | None:
        """Another name like ``span``, or None when the pool holds none."""
        names = self._names.get(_key(span, types))
        if not names:
            return None
        choice = rng.choice(names)
        return choice if choice != span else None

    def __len__(self) -> int:
        return sum(len(names) for names in self._names.values())


def _key(span: str, types: Mapping[str, str] | None) -> tuple[str, str]:
    # Sets without hand-written types fall back to the last character alone.
    return ((types or {}).get(span, ""), span[-1])


def swap_mentions(text: str, spans: Sequence[str], pool: NamePool, rng: random.Random, rate: float,
                  types: Mapping[str, str] | None = None) -> tuple[str, list[str]] | None:
    """``text`` with each distinct mention swapped at ``rate``, and its new spans; None if nothing changed.

    Every occurrence of a swapped name changes. Longer names match first, so a name
    inside another (湖滨 in 湖滨街道) never splits the longer one.
    """
    swaps: dict[str, str] = {}
    for span in dict.fromkeys(spans):
        if span and rng.random() < rate and (other := pool.pick(span, types, rng)) is not None:
            swaps[span] = other
    if not swaps:
        return None
    # Names kept are in the pattern too, mapped to themselves, so that a kept 湖滨街道 stays whole.
    names = {span: swaps.get(span, span) for span in spans if span}
    pattern = re.compile("|".join(re.escape(name) for name in sorted(names, key=len, reverse=True)))
    return pattern.sub(lambda match: names[match.group(0)], text), [swaps.get(span, span) for span in spans]
