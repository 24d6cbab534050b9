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

from nlp.junctions import NOT_ROAD_BEFORE_DAO
from nlp.segmenter import Segmenter, Token

NOMINAL_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nz", "nl", "ng", "j", "b", "m", "eng", "a", "an"})
PLACE_TAGS = frozenset({"ns", "nz", "nr", "nrt", "j", "eng"})
# One-character words that are as likely a name's syllable as a word of their own (栎|社路, 车|轿|街).
_SYLLABLE_TAGS = frozenset({"ng"})
# Function characters that jieba's HMM glues onto the front of unknown names (对东六路, 问问A7县).
LEADING_FUNCTION = re.compile(r"^[可至靠沿在对从往向离到于是系这那把被给跟和与及问说去来让叫就也都还又再年月日据]+")
# A word ending like this is a place of its own (春华镇), never the head of another name.
_ADMIN_END = re.compile(r"(?:市|区|县|镇|乡|街道|社区|村)$")
# 两条|街, 整段|路, 这段|路: a quantity in front of a suffix is not a name.
_CLASSIFIERS = "条段片座处个家间栋幢层户辆次遍回趟步批"
_QUANTITY = re.compile(rf"^(?:[一二两三四五六七八九十几整这那每半全各有]?[{_CLASSIFIERS}]|好多|很多|许多|不少|多少|好几)$")
# Characters that end many compound and village names (梧桐里, 星河湾) whatever jieba tags them.
NAME_CHARS = frozenset("里湾坊园庄桥塘浜港府墅")
# Place words that say where relative to something (楼下, 门口, 村里), not which place.
_POSITIONAL = re.compile(r"[上下里外内口边面旁前后中间头]$")
MAX_STEM = 8
# jieba frequency above which a word is an everyday word, not a name's part.
COMMON_WORD_FREQ = 300
# A verb this rare is more likely an unknown name jieba guessed at (启明|路).
RARE_VERB_FREQ = 50
_VERB_RESULTS = frozenset("到在了过着完好掉给成出进上下来去满")
_GLUED_RESULTS = frozenset("到在了过着掉给是条个次遍回趟把往")  # 是: 四是 in 一是…四是, enumerations
_PREPOSITIONS = frozenset("至靠沿在对从往向离到于把被给跟")
# Everyday nouns name many roads (人民|路, 书院|路, 机场|大道); these describe a road instead.
ROAD_DESCRIPTORS = frozenset(
    "隐患 农村 乡村 村级 交叉 泥沙 泥土 水泥 柏油 石子 砂石 断头 小区 规划 水电 救命 生命 时候 影响 上班 回家 上学"
    " 放学 道路 公路 主干 城市 乡镇 山区 景区 园区 厂区 高速 快速 沿线 出行 行人 车辆 周边 人行 步行 自行车 机动车"
    " 非机动车 单行 双向 主路 辅路 小路 大路 马路 泥巴 土路 便道 通道 消防 原本 实际 分支 专用 商业 部分 施工 设置 高峰 泥浆"
    " 立交 高架 过街 铁路 钢架 木头 石头 危桥 跨线 景观 石板 泥泞 崎岖 平坦 宽阔 狭窄 拥堵 光明 漫长 遥远 弯曲"
    " 市政 下坡 上坡 老套 次干 走老 沥青 新思 有销 小吃 冤枉 回头 十字 出路 生路 退路 套路 弯路".split())
# Characters before 道/桥/公路 that make an everyday word of them (车道, 天桥, 一级公路).
_NOT_NAME_BEFORE = {"道": NOT_ROAD_BEFORE_DAO, "桥": "天架拱廊便之铁河钢木浮吊危索线服务大小", "高速": "上下离距罚济直",
                    "公路": "级线游备通好组村乡县省际区泞烂此"}
_ROAD_NAME_TAGS = frozenset({"n", "vn", "nz", "ns", "nr", "nrt", "nt", "a"})  # a: 团结|大道, 幸福|中路
# 路 glued to what follows by jieba's mistake: 路人, 路线, 路况 are words, not a road's end.
_ROAD_WORD_AFTER = re.compile(r"[人线况过费子径程由数基边宽面灯]")
# A road suffix as its own word, maybe with a direction (人民|东路): not 学校|路口.
_ROAD_SUFFIX_WORD = re.compile(r"(?:[东南西北中]|[一二三四五六七八九十]{1,2})?(?:路|街|大道|巷|弄|道|桥|胡同|高速|公路)")


class StemFinder:
    """Finds the start of the name in front of a suffix, on one segmented text."""

    def __init__(self, segmenter: Segmenter) -> None:
        self._segmenter = segmenter

    def name_part(self, token: Token, loose: bool = False) -> bool:
        """Could this word be part of a place name?"""
        word, tag = token.word, token.tag
        if tag == "nz" and len(word) == 2 and word[-1] in _GLUED_RESULTS and not self._segmenter.frequency(word):
            return False  # 漫到|路, 指条|路: jieba's guess glued a verb to its result or a classifier
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
              *, loose: bool = False, head_word: bool = False, brand: bool = False) -> int | None:
        """Where the name ending at ``suffix_start`` begins, or None if nothing name-like is there.

        ``head_word``: a suffix that only ever ends names (苑, 家园) may take one common
        noun as the whole stem (学府苑, 幸福家园). ``brand``: a compound's name may hold one
        common noun after a proper name (金马|国际|花园).
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
                elif brand and start == suffix_start and self._brand_before(tokens, index, taken):
                    start = tokens[index - 1].start  # 金马|国际|花园
                break
            start = token.start
            if token.tag == "nz" and token.word[0] in _PREPOSITIONS \
                    and self._segmenter.frequency(token.word) < COMMON_WORD_FREQ:
                break  # 将会|对悦禧|山庄: the name starts inside this word, after 对
            index -= 1
        first = tokens[token_at[start]]
        # An everyday word keeps a leading 和/是 (和平|新村); a rare one lost it to jieba (和顺洋湖),
        # and a preposition is never a name's first character (对华|悦城).
        if start < suffix_start and first.tag == "nz" and (
                first.word[0] in _PREPOSITIONS or len(first.word) == 1
                or self._segmenter.frequency(first.word) < COMMON_WORD_FREQ):
            leading = LEADING_FUNCTION.match(word_from(tokens, token_at, start))
            start += leading.end() if leading else 0
        return start if start < suffix_start else None


    def _brand_before(self, tokens: Sequence[Token], index: int, taken: list[bool]) -> bool:
        """A common noun inside a compound's name: a proper name before it starts the name."""
        word, before = tokens[index], tokens[index - 1] if index > 0 else None
        return (before is not None and len(word.word) == 2 and word.tag in ("n", "t") and len(before.word) >= 2
                and before.tag in PLACE_TAGS and not any(taken[before.start:word.end])
                and not _ADMIN_END.search(before.word))

    def road_noun(self, token: Token) -> bool:
        """Could this everyday noun be a road's whole name (人民, 书院), not a road's description?"""
        return (len(token.word) == 2 and token.tag in _ROAD_NAME_TAGS and token.word not in ROAD_DESCRIPTORS
                and self._segmenter.frequency(token.word) >= RARE_VERB_FREQ  # a known word, not jieba's guess
                and token.word[-1] not in "路街道" and token.word[0] not in "这那")

    def rare_road_word(self, token: Token) -> bool:
        """五一路, 未央路: jieba knows the whole name as one word; 马路, 下坡路, 新思路 are everyday words."""
        return (len(token.word) >= 3 and self._segmenter.frequency(token.word) < COMMON_WORD_FREQ
                and token.word[:2] not in ROAD_DESCRIPTORS and token.tag in ("n", "ns", "nz"))

    def road_name_word(self, text: str, tokens: Sequence[Token], token_at: list[int],
                       suffix_start: int) -> int | None:
        """人民|路, 书院|路: an everyday noun right before a road suffix of its own names the road.

        Not a noun that describes roads (水泥|路, 断头|路), one counted (一条|泥沙|路), or a
        路 that begins another word (影响|路人).
        """
        index = token_at[suffix_start]
        if index == 0 or tokens[index].start != suffix_start:
            return None
        stem = tokens[index - 1]
        if not self.road_noun(stem) or not _ROAD_SUFFIX_WORD.fullmatch(tokens[index].word) \
                or _ROAD_WORD_AFTER.match(text, tokens[index].end):
            return None
        if index >= 2 and (_QUANTITY.match(tokens[index - 2].word) or tokens[index - 2].tag == "m"):
            return None
        return stem.start

    def own_word_road(self, tokens: Sequence[Token], token_at: list[int], at: int, suffix: str) -> bool:
        """成都|道, 航天|桥, 长永|高速: these suffixes end a road only after a place name.

        They end far more everyday words (烟道, 变道, 天桥, 高架桥, 一级公路), which jieba
        keeps whole or puts after a word that says what kind of road it is.
        """
        index = token_at[at]
        token = tokens[index]
        forbidden = _NOT_NAME_BEFORE.get(suffix, "")
        if token.start < at:  # 鞍山道, 睦南道: jieba knows or guesses the whole name
            return (token.tag in PLACE_TAGS and len(token.word) >= len(suffix) + 2
                    and token.word[at - token.start - 1] not in forbidden)
        before = tokens[index - 1] if index > 0 else None
        return (before is not None and token.word[len(suffix):] in ("", "上", "边", "旁")  # not 道|路, 道理
                and token.word.startswith(suffix) and before.word[-1] not in forbidden
                and ((before.tag in PLACE_TAGS and len(before.word) >= 2) or self.road_noun(before)))

    def whole_stem(self, token: Token, head_word: bool = False) -> bool:
        """A word that may be a name's whole stem though it is no name part elsewhere."""
        if head_word and len(token.word) >= 2 and (
                (token.tag in NOMINAL_TAGS and token.tag not in ("m", "a"))
                or (token.tag == "s" and not _POSITIONAL.search(token.word))):
            return True  # 学府|苑, 幸福|家园, 东岸|华庭 (but not 楼下|花园)
        # 启明|路: jieba's guess at an unknown name; 摆到|路, 停在|路 are verbs with their result.
        return (token.tag == "v" and len(token.word) == 2 and not LEADING_FUNCTION.match(token.word)
                and token.word[-1] not in _VERB_RESULTS and self._segmenter.frequency(token.word) < RARE_VERB_FREQ)


def word_from(tokens: Sequence[Token], token_at: list[int], start: int) -> str:
    """The rest of the word that ``start`` falls in."""
    token = tokens[token_at[start]]
    return token.word[start - token.start:]
