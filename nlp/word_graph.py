"""jieba's word graph and best route, computed the same way with fewer Python steps.

Segmentation is about a third of the tagger's time, and most of that is two small jieba
loops: ``get_DAG`` (which dictionary words start at each character) and ``calc`` (the
most probable path through them). jieba writes them with a generator inside ``max()``
and two dictionary look-ups per prefix; these overrides keep its arithmetic, its order
and its tie-breaking (on equal scores the longer word wins), so the words are the same
(tests/nlp/test_word_graph.py checks against jieba itself), in about half the time.
"""
from __future__ import annotations

from math import log

import jieba


class RoutedTokenizer(jieba.Tokenizer):
    """A ``jieba.Tokenizer`` with faster ``get_DAG`` and ``calc``; everything else is jieba's."""

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        self.check_initialized()
        freq = self.FREQ
        n = len(sentence)
        dag: dict[int, list[int]] = {}
        for k in range(n):
            ends: list[int] = []
            i = k
            count = freq.get(sentence[k])
            # A prefix of some word maps to 0, a word to its count, anything else is absent.
            while count is not None:
                if count:
                    ends.append(i)
                i += 1
                if i >= n:
                    break
                count = freq.get(sentence[k:i + 1])
            dag[k] = ends or [k]
        return dag

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:  # noqa: N803
        n = len(sentence)
        route[n] = (0, 0)
        freq = self.FREQ
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            best_score, best_end = 0.0, -1
            for x in DAG[idx]:  # ascending, so >= lets the longer word win a tie, as max() over (score, x)
                score = log(freq.get(sentence[idx:x + 1]) or 1) - logtotal + route[x + 1][0]
                if best_end < 0 or score >= best_score:
                    best_score, best_end = score, x
            route[idx] = (best_score, best_end)
