"""Residential compounds whose names end in everyday words: 祥源城, 泰和园, 新城国际, 星悦湾.

小区, 花园 and 家园 always end a name and are found with the other suffixes in
nlp.locations. The endings here (城, 园, 里, 国际, …) end many everyday words too
(县城, 公园, 家里, 国际新闻), so a name ending in one counts only where the text goes
on as people write about a compound: a gate, a building number, the property company,
the owners, the car park (泰和园2栋, 华润幸福里门口, 绿地蓝海国际的物业).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.resolve import Mention
from nlp.segmenter import Segmenter, Token
from nlp.stems import LEADING_FUNCTION, NAME_CHARS, PLACE_TAGS, StemFinder

_GATED_ENDINGS = re.compile(r"国际|名郡|雅居|府邸|天境|城|园|里|湾|府|坊")
COMPOUND_CONTEXT = re.compile(r"(?:的)?(?:物业|业主|开发商|地库|地下车库|车库|安置房|楼下|楼道)|[东西南北大正侧后]门"
                      r"|门口|小区|[\d一二三四五六七八九十]{1,3}(?:幢|栋|号楼|单元|期)"
                      # what residents complain about in their own compound: 翠竹园的绿化, 禹洲天境的水压
                      r"|的?(?:绿化|水压|电梯|车位|停车位|消防通道|围墙|楼栋|化粪池|二次供水|快递)"
                      r"|(?:这边|那边|这块|那块)|(?:是个|是一个|这个|那个)[^，。！？]{0,8}小区")
# An unknown word ending like a compound (星悦湾, 桂语轩) is one in the same contexts.
_END_CHARS = NAME_CHARS | frozenset("庭邸苑居轩阁城")
_TAIL = re.compile(r"(?:小区|[一二三四五六七八九\d]期)+")
# Institutions and markets end like compounds but are not homes (区政府, 幼儿园, 家电城, 长城).
_NOT_HOMES = re.compile(r"(?:政府|幼儿园|公园|校园|学园|家园|菜园|商城|影城|家电城|建材城|长城|里面|房间里)$")


class CompoundFinder:
    """Finds context-gated compound names on one segmented text."""

    def __init__(self, segmenter: Segmenter, stems: StemFinder) -> None:
        self._segmenter = segmenter
        self._stems = stems

    def find(self, text: str, tokens: Sequence[Token], token_at: list[int], taken: list[bool],
             table: dict[str, list[tuple[str, float, str]]]) -> list[Mention]:
        spans = self._by_ending(text, tokens, token_at, taken) + self._unknown_words(text, tokens, taken)
        out: list[Mention] = []
        for start, end in sorted(spans):
            if any(taken[start:end]):
                continue
            tail = _TAIL.match(text, end)
            end = tail.end() if tail else end  # 高速时代城 + 小区
            span = text[start:end]
            out.append(Mention(span, start, end, "compound", [(pid, w) for pid, w, _ in table.get(span, [])]))
            taken[start:end] = [True] * (end - start)
        return out

    def _by_ending(self, text: str, tokens: Sequence[Token], token_at: list[int],
                   taken: list[bool]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for match in _GATED_ENDINGS.finditer(text):
            suffix_start, end = match.span()
            if any(taken[suffix_start:end]) or tokens[token_at[end - 1]].end != end or not COMPOUND_CONTEXT.match(text, end):
                continue
            # 里 ends 房间里, 小区里 too: only a name-like stem (幸福里 needs no common noun).
            start = self._stems.start(tokens, token_at, suffix_start, taken, head_word=match.group() != "里")
            if start is None or suffix_start - start < 2 or _NOT_HOMES.search(text, 0, end):
                continue
            only = tokens[token_at[start]]
            if only.start == start and only.end == end and only.tag not in PLACE_TAGS:
                continue  # one everyday word: 公园, 县城, 这里
            out.append((start, end))
        return out

    def _unknown_words(self, text: str, tokens: Sequence[Token], taken: list[bool]) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        for token in tokens:
            if len(token.word) < 3 or token.word[-1] not in _END_CHARS or any(taken[token.start:token.end]) \
                    or self._segmenter.frequency(token.word) or not COMPOUND_CONTEXT.match(text, token.end):
                continue
            leading = LEADING_FUNCTION.match(token.word)
            start = token.start + (leading.end() if leading else 0)
            if token.end - start >= 3 and not _NOT_HOMES.search(token.word):
                out.append((start, token.end))
        return out
