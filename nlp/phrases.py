"""Phrase lists compiled once into one regex: the cue matcher of the lexicon components."""
from __future__ import annotations

import re
from collections.abc import Iterable


class PhraseSet:
    """A fixed set of phrases found in text by a single precompiled alternation."""

    def __init__(self, phrases: Iterable[str]) -> None:
        # Longest first, so 燃气泄漏 wins over 泄漏 at the same position.
        self.phrases = sorted({p.strip() for p in phrases if p and p.strip()}, key=lambda p: (-len(p), p))
        self._pattern = re.compile(trie_pattern(self.phrases)) if self.phrases else None

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def findall(self, text: str) -> list[str]:
        """Non-overlapping occurrences in text order."""
        return self._pattern.findall(text) if self._pattern is not None else []

    def hits(self, text: str) -> set[str]:
        """Distinct phrases present."""
        return set(self.findall(text))

    def search(self, text: str) -> bool:
        return self._pattern is not None and self._pattern.search(text) is not None


def trie_pattern(phrases: Iterable[str]) -> str:
    """One regex matching the same text as the longest-first alternation of ``phrases``.

    The plain alternation (p1|p2|…) makes the regex engine try every phrase at every
    position it cannot rule out by the first character; with a thousand lexicon terms that
    was most of the category lexicon's time. Folded into a prefix tree, each position
    follows one path: siblings start with different characters, so at most one can go on,
    and a phrase that ends where a longer one continues is an optional tail tried longest
    first (greedy ``?``), which keeps the alternation's longest match at each position.
    """
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return _node_pattern(trie)


def _node_pattern(node: dict) -> str:
    ends = "" in node
    branches = [re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends:  # stopping here is a match too, but only once nothing longer fits
        return ("(?:" + body + ")?") if len(branches) > 1 or len(body) > 1 else body + "?"
    return body
