"""Which names the learned tagger proposes become place mentions, and of what type.

nlp.span_model proposes names; the rules in nlp.locations go first, and a proposal
that overlaps one of their mentions is dropped, except that it may carry an unresolved
mention further left (江湾城 → 保利达江湾城). Proposals are cut back to the name and
kept only if they read like one (nlp.name_shape).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.compounds import COMPOUND_CONTEXT
from nlp.name_shape import JUNCTION_WORDS, NUMBERED_BLOCK, name_like, split_listed, trim
from nlp.place_words import SUFFIX_TYPE
from nlp.resolve import Mention
from nlp.segmenter import Segmenter, Token
from nlp.span_model import Featurizer, SpanModel

_JUNCTION_END = re.compile(f"(?:{JUNCTION_WORDS})$")


class LearnedSpans:
    """Runs the model on one text and turns its kept spans into mentions."""

    def __init__(self, model: SpanModel, segmenter: Segmenter) -> None:
        self._model = model
        self._segmenter = segmenter
        self._featurizer = Featurizer(segmenter.frequency)

    def propose(self, parts: Sequence[tuple[str, Sequence[Token]]]) -> list[list[tuple[int, int]]]:
        """The model's raw spans for each text (a post's text and title in one call)."""
        return self._model.spans_joined(parts, self._featurizer)

    def find(self, text: str, tokens: Sequence[Token], taken: list[bool], mentions: list[Mention],
             table: dict[str, list[tuple[str, float, str]]],
             proposed: list[tuple[int, int]] | None = None) -> list[Mention]:
        """New mentions; ``mentions`` (the rules') may be widened leftwards in place."""
        out: list[Mention] = []
        frequency = self._segmenter.frequency
        if proposed is None:
            proposed = self._model.spans(text, tokens, self._featurizer)
        for start, end in (part for span in proposed for part in split_listed(text, *span)):
            start, end = trim(text, start, end, tokens, frequency)
            if end - start < 2 or not name_like(text, start, end, tokens, frequency):
                continue
            if any(taken[start:end]):
                self._widen(text, start, end, taken, mentions, table)
                continue
            span = text[start:end]
            out.append(Mention(span, start, end, self._type(text, start, end),
                               [(pid, w) for pid, w, _ in table.get(span, [])]))
            taken[start:end] = [True] * (end - start)
        return out

    @staticmethod
    def _type(text: str, start: int, end: int) -> str:
        span = text[start:end]
        if _JUNCTION_END.search(span):
            return "intersection"
        if span.endswith("号"):
            return "address"
        if NUMBERED_BLOCK.search(span):
            return "compound"
        for length in (3, 2, 1):
            kind = SUFFIX_TYPE.get(span[-length:])
            if kind is not None:
                return kind
        return "compound" if COMPOUND_CONTEXT.match(text, end) else "poi"

    @staticmethod
    def _widen(text: str, start: int, end: int, taken: list[bool], mentions: list[Mention],
               table: dict[str, list[tuple[str, float, str]]]) -> None:
        """保利达|江湾城: a rule mention with no gazetteer entry, ending where the proposal ends."""
        overlapping = [m for m in mentions if m.start < end and start < m.end]
        if len(overlapping) != 1:
            return
        mention = overlapping[0]
        if mention.end != end or mention.start <= start or mention.candidates or mention.roads \
                or any(taken[start:mention.start]):
            return
        mention.start, mention.text = start, text[start:end]
        mention.candidates = [(pid, w) for pid, w, _ in table.get(mention.text, [])]
        taken[start:end] = [True] * (end - start)
