"""Finding place mentions in text: gazetteer names plus shape patterns.

Three passes over one segmented text, earlier passes owning their spans:

1. junctions (``A路与B路交叉口``, ``A路B路口``, ``A路口``);
2. gazetteer surfaces, longest match first; short abbreviations only on word
   boundaries and, when they are everyday words (新兴, 建设), only before a place cue;
3. shape patterns anchored on a suffix: house numbers (南大园300号 → address), roads
   (…路/街/大道/巷/弄), compounds (…小区/花园/家园/苑/公寓/新村/大厦), communities,
   streets/towns, districts and cities. The name in front of a suffix is grown
   leftwards over noun-like words (jieba tags n*/ns/nz/j/b/m/eng, unknown words),
   which keeps 经过 and 我们 out of 经过中山路 and 我们小区.

Mentions that are not in the gazetteer are still returned, with no candidates.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.gazetteer import Gazetteer
from nlp.resolve import Mention
from nlp.segmenter import Segmenter, Token

_ROAD = r"(?:大道|路|街|巷|弄)"
_JUNCTION = re.compile(
    rf"(?P<a>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})(?:与|和|跟|同|、|/)?(?P<b>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})"
    r"(?:的|那个|这个|那|这)?(?:交叉路口|交叉口|十字路口|丁字路口|交汇处|交界处|路口|口)"
    rf"|(?P<one>[\u4e00-\u9fff0-9]{{1,8}}?(?:大道|路|街))口(?![\u4e00-\u9fff]?[罩腔号岸碑])")
_HOUSE_NUMBER = re.compile(r"(?<![0-9月])\d{1,5}(?:-\d{1,4})?号(?![线码位])(?:\d{1,3}(?:栋|幢|单元|室|楼))*")
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("小区", "compound"), ("花园", "compound"), ("家园", "compound"), ("花苑", "compound"),
    ("公寓", "compound"), ("新村", "compound"), ("大厦", "compound"), ("苑", "compound"),
    ("社区", "community"), ("村", "community"), ("街道", "street"), ("镇", "street"), ("乡", "street"),
    ("大道", "road"), ("路", "road"), ("街", "road"), ("巷", "road"), ("弄", "road"),
    ("区", "district"), ("县", "district"), ("市", "city"), ("省", "city"),
)
_SUFFIX_TYPE = dict(_SUFFIXES)
_ANCHOR = re.compile("|".join(s for s, _ in _SUFFIXES))
# Words that may form a place name's stem; verbs, pronouns, particles, places-words
# such as 门口/旁边 (tag s/f) end it.
_NOMINAL_TAGS = frozenset({"n", "nr", "nrt", "nrfg", "ns", "nz", "nl", "ng", "j", "b", "m", "eng", "a", "an"})
_PLACE_TAGS = frozenset({"ns", "nz", "nr", "nrt", "j", "eng"})
# Function characters that jieba's HMM glues onto the front of unknown names (对东六路, 问问A7县).
_LEADING_FUNCTION = re.compile(r"^[在对从往向离到于是系这那把被给跟和与及问说去来让叫就也都还又再年月日]+")
_COMPOUND_TAIL = re.compile(r"(?:小区|[一二三四五六七八九\d]期|[东西南北]区)+")
# A word ending like this is a place of its own (春华镇), never the head of another name.
_ADMIN_END = re.compile(r"(?:市|区|县|镇|乡|街道|社区|村)$")
_PLACE_CUE = re.compile(r"一带|片区|辖区|这边|那边|附近|地区|境内|范围")
# jieba glues a name's suffix to what follows it (柳岸|路上, 晓风|公寓楼, 长庚新|村里):
# a word that is a place suffix plus one of these is cut after the suffix.
_LOCATIVE_TAIL = re.compile(r"(?:上|下|边|旁|里|内|外|段|楼|口|门口|附近|对面)$")
# Characters that end many compound and village names (梧桐里, 星河湾) whatever jieba tags them.
_NAME_CHARS = frozenset("里湾坊园庄桥塘浜港府墅")
_ROAD_WORDS = frozenset({"路", "街", "大道", "巷", "弄"})
MAX_STEM = 8
# jieba frequency above which an abbreviation is treated as an everyday word.
COMMON_WORD_FREQ = 300


class LocationExtractor:
    """Extracts place mentions; rebuilds its surface table when the gazetteer changes."""

    def __init__(self, gazetteer: Gazetteer, segmenter: Segmenter) -> None:
        self._gazetteer = gazetteer
        self._segmenter = segmenter
        self._version = -1
        self._table: dict[str, list[tuple[str, float, str]]] = {}
        self._lengths: dict[str, list[int]] = {}

    def _refresh(self) -> None:
        if self._version == self._gazetteer.version:
            return
        table: dict[str, list[tuple[str, float, str]]] = {}
        lengths: dict[str, set[int]] = {}
        for surface, entries in self._gazetteer.surfaces().items():
            if len(surface) < 2:
                continue
            table[surface] = [(e.place_id, e.weight, e.kind) for e in entries]
            lengths.setdefault(surface[0], set()).add(len(surface))
        self._table = table
        self._lengths = {ch: sorted(ls, reverse=True) for ch, ls in lengths.items()}
        self._version = self._gazetteer.version

    def extract(self, text: str, tokens: Sequence[Token] | None = None) -> list[Mention]:
        """Place mentions in ``text``, in order of appearance, non-overlapping."""
        self._refresh()
        tokens = self._refine(self._segmenter.analyze(text) if tokens is None else tokens)
        starts = {t.start for t in tokens} | {len(text)}
        token_at = [0] * (len(text) + 1)
        for index, token in enumerate(tokens):
            for pos in range(token.start, token.end):
                token_at[pos] = index
        taken = [False] * (len(text) + 1)
        mentions = self._junctions(text, tokens, token_at, taken)
        mentions += self._gazetteer_matches(text, starts, taken)
        mentions += self._shapes(text, tokens, token_at, taken)
        # House numbers last: they attach to a road or compound found by either pass.
        mentions = self._addresses(text, tokens, token_at, taken, mentions)
        return sorted(mentions, key=lambda m: m.start)

    def _refine(self, tokens: Sequence[Token]) -> list[Token]:
        """Split unknown words after an inner place suffix.

        jieba's HMM glues unknown names across suffixes (A3|区联|丰路, 春华|镇金鼎村);
        cutting after the suffix gives the patterns word boundaries to work with.
        """
        out: list[Token] = []
        for token in tokens:
            suffix = _ANCHOR.match(token.word)
            if (suffix and out and suffix.end() < len(token.word) and out[-1].end == token.start
                    and self._name_part(out[-1]) and _LOCATIVE_TAIL.fullmatch(token.word[suffix.end():])):
                split = token.start + suffix.end()
                out += [Token(suffix.group(), "n", token.start, split),
                        Token(token.word[suffix.end():], "f", split, token.end)]
                continue
            if token.tag != "nz" or len(token.word) < 2 or self._segmenter.frequency(token.word):
                out.append(token)
                continue
            cut = token.start
            for match in _ANCHOR.finditer(token.word):
                if match.end() < len(token.word):
                    split = token.start + match.end()
                    out.append(Token(token.word[cut - token.start:match.end()], "nz", cut, split))
                    cut = split
            out.append(Token(token.word[cut - token.start:], "nz", cut, token.end))
        return out

    # -- pass 1: junctions -------------------------------------------------------
    def _junctions(self, text: str, tokens: Sequence[Token], token_at: list[int],
                   taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        for match in _JUNCTION.finditer(text):
            first = "a" if match["a"] else "one"
            suffix = 2 if match[first].endswith("大道") else 1
            start = self._stem_start(tokens, token_at, match.end(first) - suffix, match.end(first), taken)
            if start is None:
                continue
            span = text[start:match.end()]
            road_a = text[start:match.end(first)]
            entries = self._table.get(span, [])
            if match["b"]:
                roads = (self._road_candidates(road_a), self._road_candidates(match["b"]))
            else:
                roads = (self._road_candidates(road_a), [])
            if not entries and match["one"]:
                # "中山路口" is a spot on one road: resolve it to the road.
                entries = [(pid, w, k) for pid, w in roads[0] for k in ("name",)]
                roads = None
            out.append(Mention(span, start, match.end(), "intersection",
                               [(pid, w) for pid, w, _ in entries], None if entries else roads))
            _take(taken, start, match.end())
        return out

    def _road_candidates(self, name: str) -> list[tuple[str, float]]:
        entries = self._table.get(name, [])
        return [(pid, w) for pid, w, _ in entries if self._gazetteer.place(pid).type == "road"]

    # -- pass 2: gazetteer surfaces ---------------------------------------------
    def _gazetteer_matches(self, text: str, starts: set[int], taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        i, n = 0, len(text)
        while i < n:
            found = None
            if not taken[i]:
                for length in self._lengths.get(text[i], ()):
                    end = i + length
                    if end > n or any(taken[i:end]):
                        continue
                    entries = self._table.get(text[i:end])
                    if entries and self._acceptable(text, i, end, entries, starts):
                        found = (end, entries)
                        break
            if found is None:
                i += 1
                continue
            end, entries = found
            kind = self._gazetteer.place(entries[0][0]).type
            out.append(Mention(text[i:end], i, end, kind, [(pid, w) for pid, w, _ in entries]))
            _take(taken, i, end)
            i = end
        return out

    def _acceptable(self, text: str, start: int, end: int, entries: list[tuple[str, float, str]],
                    starts: set[int]) -> bool:
        surface = text[start:end]
        weak = all(kind == "short" for _, _, kind in entries)
        if not weak and len(surface) > 2:
            return True
        # Two-character names and abbreviations must be whole words: 南湖 in 南湖边 yes,
        # in 西南湖畔 no.
        if start not in starts or end not in starts:
            return False
        if weak and _ANCHOR.match(text, end):
            return False  # 新城 in 丽发新城小区 is part of another name
        if weak and self._segmenter.frequency(surface) >= COMMON_WORD_FREQ \
                and self._segmenter.tag(surface) != "ns":
            return bool(_PLACE_CUE.match(text, end))
        return True

    # -- pass 3: shapes ------------------------------------------------------------
    def _addresses(self, text: str, tokens: Sequence[Token], token_at: list[int], taken: list[bool],
                   mentions: list[Mention]) -> list[Mention]:
        ends = {m.end: m for m in mentions}
        for match in _HOUSE_NUMBER.finditer(text):
            if any(taken[match.start():match.end()]):
                continue
            before = ends.get(match.start())
            if before is not None and before.type in ("road", "compound", "community", "poi"):
                mentions.remove(before)
                mentions.append(Mention(text[before.start:match.end()], before.start, match.end(),
                                        "address", before.candidates))
                _take(taken, before.start, match.end())
                continue
            start = self._stem_start(tokens, token_at, match.start(), match.start(), taken)
            if start is None:
                start = self._road_before(tokens, token_at, match.start(), taken)
            if start is not None and match.start() - start >= 2:
                mentions.append(Mention(text[start:match.end()], start, match.end(), "address"))
                _take(taken, start, match.end())
        return mentions

    def _road_before(self, tokens: Sequence[Token], token_at: list[int], number_start: int,
                     taken: list[bool]) -> int | None:
        """百花|路|168号: before a house number even an everyday word names the road."""
        if number_start < 2:
            return None
        road = tokens[token_at[number_start - 1]]
        if road.word not in _ROAD_WORDS or road.start == 0 or any(taken[road.start:number_start]):
            return None
        stem = tokens[token_at[road.start - 1]]
        if stem.tag not in _NOMINAL_TAGS | _PLACE_TAGS or any(taken[stem.start:stem.end]):
            return None
        return stem.start

    def _shapes(self, text: str, tokens: Sequence[Token], token_at: list[int],
                taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        for match in _ANCHOR.finditer(text):
            suffix_start, end = match.span()
            if any(taken[suffix_start:end]) or tokens[token_at[end - 1]].end != end:
                continue  # the suffix must end a word: not 路 in 路上, not 市 in 市场
            start = self._stem_start(tokens, token_at, suffix_start, end, taken)
            if start is None or suffix_start - start < 2:
                continue
            only = tokens[token_at[start]]
            if only.start == start and only.end == end and only.tag not in _PLACE_TAGS:
                continue  # one everyday word: 道路, 超市, 农村, 城区
            kind = _SUFFIX_TYPE[match.group()]
            tail = _COMPOUND_TAIL.match(text, end) if kind == "compound" else None
            if tail and not any(taken[end:tail.end()]):
                end = tail.end()  # 阳光花园 + 小区, 金色家园 + 二期
            span = text[start:end]
            out.append(Mention(span, start, end, kind,
                               [(pid, w) for pid, w, _ in self._table.get(span, [])]))
            _take(taken, start, end)
        return out

    def _stem_start(self, tokens: Sequence[Token], token_at: list[int], suffix_start: int,
                    end: int, taken: list[bool]) -> int | None:
        """Where the name ending at ``suffix_start`` begins, growing left over noun-like words."""
        if suffix_start == 0:
            return None
        index = token_at[suffix_start]
        token = tokens[index]
        start = suffix_start
        if token.start < suffix_start:
            # The suffix sits inside a word (中山路, 龙川家园): the word's head is stem.
            if token.tag not in _PLACE_TAGS and (
                    token.tag not in _NOMINAL_TAGS
                    or self._segmenter.frequency(token.word) >= COMMON_WORD_FREQ):
                return None  # 马路, 道路, 十字路口, 商业街: everyday words, not names
            start = token.start
        index = token_at[start] - 1 if start > 0 else -1
        while index >= 0:
            token = tokens[index]
            if not self._name_part(token) or any(taken[token.start:token.end]) \
                    or suffix_start - token.start > MAX_STEM or _ADMIN_END.search(token.word):
                break
            start = token.start
            index -= 1
        if start < suffix_start and tokens[token_at[start]].tag == "nz":
            leading = _LEADING_FUNCTION.match(text_of(tokens, token_at, start))
            start += leading.end() if leading else 0
        return start if start < suffix_start else None

    def _name_part(self, token: Token) -> bool:
        """Could this word be part of a place name? Names are made of rare words:
        居民, 城市, 有限公司 (common nouns) and long numbers (dates) end a name."""
        if token.tag in _PLACE_TAGS or token.word in _NAME_CHARS:
            return True
        if token.tag == "m":
            return len(token.word) <= 2
        return token.tag in _NOMINAL_TAGS and self._segmenter.frequency(token.word) < COMMON_WORD_FREQ


def text_of(tokens: Sequence[Token], token_at: list[int], start: int) -> str:
    """The word that begins at ``start``."""
    token = tokens[token_at[start]]
    return token.word[start - token.start:]


def _take(taken: list[bool], start: int, end: int) -> None:
    for pos in range(start, end):
        taken[pos] = True
