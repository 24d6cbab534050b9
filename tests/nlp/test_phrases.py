"""PhraseSet's prefix-tree regex finds what the plain longest-first alternation finds."""
from __future__ import annotations

import random
import re

from nlp.phrases import PhraseSet, trie_pattern


def test_longest_phrase_wins_at_each_position() -> None:
    phrases = PhraseSet(["泄漏", "燃气", "燃气泄漏", "玻璃", "玻璃碴"])
    assert phrases.findall("燃气泄漏了，路上有玻璃碴和玻璃") == ["燃气泄漏", "玻璃碴", "玻璃"]
    assert phrases.hits("燃气味") == {"燃气"}
    assert not PhraseSet([]) and PhraseSet([]).findall("燃气") == []


def test_special_characters_are_literal() -> None:
    assert PhraseSet(["a.b", "(x)", "c?"]).findall("a.b axb (x) c? c") == ["a.b", "(x)", "c?"]


def test_same_matches_as_the_plain_alternation_on_random_phrase_sets() -> None:
    rng = random.Random(5)
    alphabet = "ab燃气."
    for _ in range(2000):
        words = {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 10))}
        ordered = sorted(words, key=lambda p: (-len(p), p))
        plain = re.compile("|".join(map(re.escape, ordered)))
        trie = re.compile(trie_pattern(ordered))
        for _ in range(5):
            text = "".join(rng.choice(alphabet + "x") for _ in range(rng.randint(0, 25)))
            assert trie.findall(text) == plain.findall(text), (ordered, text)
