"""Phrase lists compiled once into one regex: the cue matcher of the lexicon components."""
from __future__ import annotations

import re
from collections.abc import Iterable


class PhraseSet:
    """A fixed set of phrases found in text by a single precompiled alternation."""

    def __init__(self, phrases: Iterable[str]) -> None:
        # Longest first, so 燃气泄漏 wins over 泄漏 at the same position.
        self.phrases = sorted({p.strip() for p in phrases if p and p.strip()}, key=lambda p: (-len(p), p))
        self._pattern = re.compile("|".join(map(re.escape, self.phrases))) if self.phrases else None

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
