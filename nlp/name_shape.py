"""What a place name is not: trimming and refusing the learned tagger's proposals.

The learned tagger (nlp.span_model) reads names from their look and their context, so
on long formal messages it sometimes takes a word too many (投诉|金地花园, 阳光100|三期,
报告人：陈平旺|2018年) or proposes what only looks like a name: a law's title
(中华人民共和国道路交通安全法), a kind of place (城镇小区, 美丽乡村), a sum of money. These pure
functions cut proposals back to the name and refuse the rest, using the same word
knowledge as the rules: jieba's tags and frequencies, and the kinds in nlp.place_words.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from nlp.place_words import ANCHOR, GENERIC_AREA, KIND_OF_COMPOUND, SUFFIX_TYPE
from nlp.segmenter import Token
from nlp.stems import COMMON_WORD_FREQ as EVERYDAY
from nlp.stems import ROAD_DESCRIPTORS

FAMOUS = 5000  # …and from which a place word names a famous place (上海, 中国), not a local one
# Anonymised or bare area codes in front of a name (A市, A7县, J1区): an area, not the name.
_AREA_CODE = re.compile(r"(?:[A-Z][0-9]{0,2}[市区县省])+")  # used with match(): anchored at the start
_LEADING_CHARS = re.compile(r"[的在从到往]+")
_CODE_REST = re.compile(r"[市区县省]")  # 市 of A市 when the proposal began after the A
_AREA_CODE_TAIL = re.compile(r"(?:[A-Z][0-9]{0,2}[市区县省])+$")  # 美丽乡村|L9县: the area is its own mention
# jieba glues a preposition onto an unknown name that follows it (对铁|中一局, 即松|雅湖中学).
_GLUED_FUNCTION = frozenset("对即将把被给从向往在于")
# A number at the end is a house number, a sum, a date or a quantity, never the name's end.
_NUMBER_TAIL = re.compile(r"(?<![A-Za-z])[0-9０-９.\-]+[A-Za-z年月日元米名台号个栋幢期kgml]*$")
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9]{4,}|https?|www", re.IGNORECASE)
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NATIONAL = re.compile(r"^(?:中华人民共和国|中国|全国|国家|全省|全市)")
JUNCTION_WORDS = "路口|交叉口|交汇处|交口|十字"
_JUNCTION = re.compile(JUNCTION_WORDS)
_LISTED = re.compile(r"[和及、]")  # 万国城和珠江花城: two names
# Words that start or end a proposal but are never part of a name: verbs, prepositions,
# conjunctions, adverbs, pronouns, particles (投诉, 对, 即, 这, 的).
_FUNCTION_TAGS = ("v", "p", "c", "d", "r", "u", "y")
_DESCRIBING_TAGS = frozenset({"a", "ad", "an", "v", "d", "r", "p", "c"})
NUMBERED_BLOCK = re.compile(r"[\dA-Za-z一二三四五六七八九十]区$")  # 朝晖五区, 万科城B区: compounds
_ROAD_TAIL = re.compile(r"(?<=[路街道])(?:[东南西北中]|[东南西北]?[一二三四五六七八九十]?段)$")
# What says "a place" around a name made of everyday words (金色夏威夷|北门, 住在|东湖国际).
_PLACE_AFTER = re.compile(r"的?(?:物业|业主|开发商|小区|地库|车库|楼下|楼道|[东西南北正侧后]门|门口|附近|旁边|对面|周边|里面|那边"
                          r"|这边|那块|这块|一带|[\d一二三四五六七八九十]{1,3}(?:幢|栋|号楼|单元|期|区))")
_PLACE_BEFORE = re.compile(r"(?:住在|住|搬到|位于|地处|路过|靠近)$")
# Endings of public places and of compound names (the rules read these only in context).
_POI_END = re.compile(r"(?:广场|大桥|中心|公园|学院|大学|中学|小学|幼儿园|医院|图书馆|体育馆|博物馆|机场|车站|火车站|站|市场|商场"
                      r"|剧院|影城|码头|寺|庙|宫|塔|门|口)$")
_NAME_END_CHARS = frozenset("里湾坊园庄墅府庭邸居轩阁城")


def split_listed(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """万国城和珠江花城 → 万国城, 珠江花城 (not a junction: 理想城与凯旋城路口 stays whole)."""
    if _JUNCTION.search(text, start, end):
        return [(start, end)]
    parts, at = [], start
    for match in _LISTED.finditer(text, start, end):
        parts.append((at, match.start()))
        at = match.end()
    parts.append((at, end))
    if any(b - a < 3 for a, b in parts):
        return [(start, end)]  # 庆和里路: 和 inside a name
    return parts


def trim(text: str, start: int, end: int, tokens: Sequence[Token], frequency: Callable[[str], int]) -> tuple[int, int]:
    """Cut area codes, function words and numbers off both ends; (start, start) if nothing is left."""
    while found := (_AREA_CODE.match(text, start, end) or _LEADING_CHARS.match(text, start, end) or (
            start > 0 and text[start - 1].isascii() and text[start - 1].isalnum() and _CODE_REST.match(text, start, end))):
        start = found.end()  # A市|鑫源悦城, (A)|市|A3区: area codes and stray characters, in any order
    code = _AREA_CODE_TAIL.search(text, start, end)
    end = code.start() if code and code.start() > start else end
    number = _NUMBER_TAIL.search(text, start, end)
    if number:
        # 解放路|88号 keeps its road (the address pass adds the number back); with no suffix
        # before it, what came before a number was a sum, a date or a count: 再交|65000元.
        end = number.start()
        if not any(m.end() == end for m in ANCHOR.finditer(text, start, end)):
            return start, start
    first = next((t for t in tokens if t.start <= start < t.end), None)
    if first is not None and first.start == start and text[start] in _GLUED_FUNCTION and end - start >= 4 \
            and not frequency(first.word):
        start += 1
    inside = [t for t in tokens if start <= t.start and t.end <= end]
    # 投诉|金地花园, 对|渔业路; a verb only before a long remainder: 解放|西路, 劳动|东路 are names.
    while inside and inside[0].start == start and _function_word(inside[0], frequency) \
            and end - inside[0].end >= (4 if inside[0].tag.startswith("v") else 2):
        start = inside.pop(0).end
    while inside and inside[-1].end == end and _function_word(inside[-1], frequency) and inside[-1].start - start >= 2:
        end = inside.pop().start  # 保利香槟国际|于
    return start, end


def name_like(text: str, start: int, end: int, tokens: Sequence[Token], frequency: Callable[[str], int]) -> bool:
    span = text[start:end]
    if len(_HAN.findall(span)) < 2 or not (_HAN.match(span) or span[0].isalpha()) \
            or _CODE.search(span) or _NATIONAL.match(span):
        return False
    inside = [t for t in tokens if t.start < end and start < t.end]
    if len(inside) == 1 and inside[0].start == start and inside[0].end == end \
            and frequency(inside[0].word) >= (FAMOUS if inside[0].tag == "ns" else EVERYDAY):
        return False  # one everyday or famous word: 安保, 大街, 上海, 路口
    if _JUNCTION.search(span):
        return len(span) >= 4  # two roads and 路口: the shape says "place"
    everyday = all(frequency(t.word) >= EVERYDAY for t in inside)
    ending = _ending(span)
    if ending is None:
        # 金色夏威夷, 东湖国际: everyday words make names too, but only where the text says "place";
        # elsewhere (建设美丽乡村) they are just words.
        return not everyday or bool(_PLACE_AFTER.match(text, end) or _PLACE_BEFORE.search(text, 0, start))
    stem, kind = span[:ending[0]], ending[1]
    if len(stem) < 2 or KIND_OF_COMPOUND.fullmatch(stem) or GENERIC_AREA.fullmatch(span):
        return False  # 中医院, 城镇小区, 老城区
    stem_words = [t for t in inside if t.end <= start + len(stem)]
    stem_everyday = all(frequency(t.word) >= EVERYDAY for t in stem_words)
    if kind == "road":  # roads are named with any word (团结路, 十三纬路), but not described (高速公路)
        return stem not in ROAD_DESCRIPTORS and not (stem_everyday and stem[-2:] in ROAD_DESCRIPTORS)
    # 繁华|街道, 投诉|小区, 大|花园: words that describe, not name (the rules take 幸福|家园 first)
    return not (stem_everyday and any(t.tag in _DESCRIBING_TAGS for t in stem_words))


def _ending(span: str) -> tuple[int, str] | None:
    """Where the span's naming ending starts and what kind it is: 路, 小区, 公园, 湾, 八区, …"""
    if NUMBERED_BLOCK.search(span):
        return len(span) - 1, "compound"  # 劲松八区, 万科城B区
    core = _ROAD_TAIL.sub("", span) or span  # 广州大道中, 天府大道北段: the road, then its part
    suffix = next((m for m in ANCHOR.finditer(core) if m.end() == len(core)), None)
    if suffix is not None:
        return suffix.start(), SUFFIX_TYPE[suffix.group()]
    poi = _POI_END.search(span)
    if poi is not None:
        return poi.start(), "poi"
    return (len(span) - 1, "compound") if span[-1] in _NAME_END_CHARS else None


def _function_word(token: Token, frequency: Callable[[str], int]) -> bool:
    return token.tag.startswith(_FUNCTION_TAGS) and frequency(token.word) >= EVERYDAY
