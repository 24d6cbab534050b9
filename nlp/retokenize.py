"""Re-cutting jieba's words where they hide a place suffix, before nlp.locations reads them.

jieba's HMM glues an unknown name to what follows its suffix (柳岸|路上, 长庚新|村里,
A3|区联|丰路) and its dictionary makes one word of a numbered village (长江|一村). The
location passes anchor on suffixes at word boundaries, so these words are cut first.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.place_words import ANCHOR, LOCATIVE_TAIL, ROAD_WORDS
from nlp.segmenter import Segmenter, Token
from nlp.stems import StemFinder

_NUMBERED_VILLAGE = re.compile(r"[一二三四五六七八九十]村")


class Retokenizer:
    """Splits words after an inner place suffix; one per LocationExtractor."""

    def __init__(self, segmenter: Segmenter, stems: StemFinder) -> None:
        self._segmenter = segmenter
        self._stems = stems

    def refine(self, tokens: Sequence[Token]) -> list[Token]:
        """Split unknown words after an inner place suffix.

        jieba's HMM glues unknown names across suffixes (A3|区联|丰路, 春华|镇金鼎村);
        cutting after the suffix gives the patterns word boundaries to work with.
        """
        out: list[Token] = []
        for token in tokens:
            suffix = ANCHOR.match(token.word)
            if (suffix and out and suffix.end() < len(token.word) and out[-1].end == token.start
                    and (self._stems.name_part(out[-1]) or self._stems.whole_stem(out[-1])
                         or (suffix.group() in ROAD_WORDS and token.word[suffix.end():] in ("上", "边", "旁")
                             and self._stems.road_noun(out[-1]))  # 建筑|路上
                         or ANCHOR.fullmatch(out[-1].word[-1] + suffix.group()))  # 长庚新|村里
                    and LOCATIVE_TAIL.fullmatch(token.word[suffix.end():])):
                split = token.start + suffix.end()
                out += [Token(suffix.group(), "n", token.start, split),
                        Token(token.word[suffix.end():], "f", split, token.end)]
                continue
            if _NUMBERED_VILLAGE.fullmatch(token.word) and out and self._stems.name_part(out[-1]):
                out += [Token(token.word[0], "m", token.start, token.start + 1),  # 长江|一村: 一|村
                        Token("村", "n", token.start + 1, token.end)]
                continue
            if token.tag != "nz" or len(token.word) < 2 or self._segmenter.frequency(token.word):
                out.append(token)
                continue
            cut = token.start
            for match in ANCHOR.finditer(token.word):
                if match.end() < len(token.word):
                    split = token.start + match.end()
                    out.append(Token(token.word[cut - token.start:match.end()], "nz", cut, split))
                    cut = split
            out.append(Token(token.word[cut - token.start:], "nz", cut, token.end))
        return out
