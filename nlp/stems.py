"""Where a place name begins: growing a name leftwards from its suffix over jieba's words.

A road, compound or village name is a stem plus a suffix (中山|路, 龙川|家园). The stem
is the run of name-like words in front of the suffix. Names are made of rare words,
place words and single characters; pronouns, particles, verbs people use every day,
common nouns (居民, 城市) and quantities (两条, 整段) end a stem. Where the context
already says "this is a place" (two roads and 交叉口), a *loose* stem also takes common
nouns: 学士|路院士路口, 世纪|大道与宁穿路交叉口.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.segmenter import Segmenter, Token

NOMINAL_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nz", "nl", "ng", "j", "b", "m", "eng", "a", "an"})
PLACE_TAGS = frozenset({"ns", "nz", "nr", "nrt", "j", "eng"})
# One-character words that are as likely a name's syllable as a word of their own (栎|社路, 车|轿|街).
_SYLLABLE_TAGS = frozenset({"ng"})
# Function characters that jieba's HMM glues onto the front of unknown names (对东六路, 问问A7县).
LEADING_FUNCTION = re.compile(r"^[在对从往向离到于是系这那把被给跟和与及问说去来让叫就也都还又再年月日据]+")
# A word ending like this is a place of its own (春华镇), never the head of another name.
_ADMIN_END = re.compile(r"(?:市|区|县|镇|乡|街道|社区|村)$")
# 两条|街, 整段|路, 这段|路: a quantity in front of a suffix is not a name.
_CLASSIFIERS = "条段片座处个家间栋幢层户辆次遍回趟"
_QUANTITY = re.compile(rf"^[一二两三四五六七八九十几整这那每半全各]?[{_CLASSIFIERS}]$")
# Characters that end many compound and village names (梧桐里, 星河湾) whatever jieba tags them.
NAME_CHARS = frozenset("里湾坊园庄桥塘浜港府墅")
MAX_STEM = 8
# jieba frequency above which a word is an everyday word, not a name's part.
COMMON_WORD_FREQ = 300
# A verb this rare is more likely an unknown name jieba guessed at (启明|路).
RARE_VERB_FREQ = 50
_VERB_RESULTS = frozenset("到在了过着完好掉给成出进上下来去满")


class StemFinder:
    """Finds the start of the name in front of a suffix, on one segmented text."""

    def __init__(self, segmenter: Segmenter) -> None:
        self._segmenter = segmenter

    def name_part(self, token: Token, loose: bool = False) -> bool:
        """Could this word be part of a place name?"""
        word, tag = token.word, token.tag
        if tag in PLACE_TAGS or word in NAME_CHARS:
            return True
        if tag == "m":
            return len(word) <= 2 and not _QUANTITY.match(word)
        if _QUANTITY.match(word):
            return False
        frequency = self._segmenter.frequency(word)
        if tag.startswith("v"):
            return False
        if len(word) == 1 and tag in _SYLLABLE_TAGS:
            return True
        if loose and tag in NOMINAL_TAGS and tag not in ("a", "an"):
            return True  # 学士, 世纪: common nouns, where the context already says "road"
        return tag in NOMINAL_TAGS and frequency < COMMON_WORD_FREQ

    def start(self, tokens: Sequence[Token], token_at: list[int], suffix_start: int, taken: list[bool],
              *, loose: bool = False, head_word: bool = False) -> int | None:
        """Where the name ending at ``suffix_start`` begins, or None if nothing name-like is there.

        ``head_word``: a suffix that only ever ends names (苑, 家园) may take one common
        noun as the whole stem (学府苑, 幸福家园).
        """
        if suffix_start == 0:
            return None
        index = token_at[suffix_start]
        token = tokens[index]
        start = suffix_start
        if token.start < suffix_start:
            # The suffix sits inside a word (中山路, 龙川家园): the word's head is stem.
            head = token.word[: suffix_start - token.start]
            if (len(head) == 2 and _QUANTITY.match(head)) or (token.tag not in PLACE_TAGS and (
                    token.tag not in NOMINAL_TAGS
                    or self._segmenter.frequency(token.word) >= COMMON_WORD_FREQ)):
                return None  # 马路, 道路, 十字路口, 商业街, 整段路: everyday words, not names
            start = token.start
        index = token_at[start] - 1 if start > 0 else -1
        while index >= 0:
            token = tokens[index]
            if any(taken[token.start:token.end]) or suffix_start - token.start > MAX_STEM \
                    or _ADMIN_END.search(token.word):
                break
            if not self.name_part(token, loose):
                if start == suffix_start and self.whole_stem(token, head_word):
                    start = token.start
                break
            start = token.start
            index -= 1
        if start < suffix_start and tokens[token_at[start]].tag == "nz":
            leading = LEADING_FUNCTION.match(word_from(tokens, token_at, start))
            start += leading.end() if leading else 0
        return start if start < suffix_start else None


    def whole_stem(self, token: Token, head_word: bool = False) -> bool:
        """A word that may be a name's whole stem though it is no name part elsewhere."""
        if head_word and len(token.word) >= 2 and token.tag in NOMINAL_TAGS and token.tag not in ("m", "a"):
            return True  # 学府|苑, 幸福|家园
        # 启明|路: jieba's guess at an unknown name; 摆到|路, 停在|路 are verbs with their result.
        return (token.tag == "v" and len(token.word) == 2 and not LEADING_FUNCTION.match(token.word)
                and token.word[-1] not in _VERB_RESULTS and self._segmenter.frequency(token.word) < RARE_VERB_FREQ)


def word_from(tokens: Sequence[Token], token_at: list[int], start: int) -> str:
    """The rest of the word that ``start`` falls in."""
    token = tokens[token_at[start]]
    return token.word[start - token.start:]
