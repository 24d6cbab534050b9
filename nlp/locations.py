"""Finding place mentions in text. Passes over one segmented text, earlier ones owning their spans:

1. junctions (A路与B路交叉口, A路B路口, A路/B路, A路近B路, A路口);
2. gazetteer surfaces, longest first; short names only as whole words, not heading another
   name (福明|路, 西园|小区) nor as a gate (医院|南门); everyday words (新兴) only before a cue;
3. shapes anchored on a suffix (roads, compounds, communities, streets, districts, cities),
   names grown leftwards by nlp.stems; compounds with everyday endings in context (nlp.compounds);
4. names the learned tagger finds where the rules found none (nlp.learned_spans);
   house numbers last. Mentions not in the gazetteer are returned with no candidates.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.compounds import CompoundFinder
from nlp.gazetteer import Gazetteer
from nlp.learned_spans import LearnedSpans
from nlp.junctions import JUNCTION, NEAR, SECTION, SEGMENT, second_road_is_name
from nlp.place_words import (ANCHOR, COMPOUND_AFTER, COMPOUND_TAIL, GATE, GATE_LEAD, GENERIC_AREA, KIND_OF_COMPOUND,
                              NAME_ONLY_SUFFIXES, PLACE_CUE, ROAD_AFTER, ROAD_WORDS, SUFFIX_TYPE)
from nlp.resolve import Mention
from nlp.retokenize import Retokenizer
from nlp.segmenter import Segmenter, Token
from nlp.span_model import SpanModel
from nlp.stems import COMMON_WORD_FREQ, NOMINAL_TAGS, PLACE_TAGS, StemFinder

_HOUSE_NUMBER = re.compile(r"(?<![0-9月])(?:[甲乙丙])?\d{1,5}(?:-\d{1,4})?号(?![线码位])(?:\d{1,3}(?:栋|幢|单元|室|楼))*")
# A street, community or compound named after a road (华夏路|社区) is one mention.
_NAMED_AFTER_ROADS = frozenset({"street", "community", "compound"})
_OWN_WORD_ROADS = frozenset({"道", "桥", "高速", "公路"})  # see StemFinder.own_word_road
_RING_ROAD = re.compile(r"(?<![一二三四五六七八九十\d])[东南西北内外]?[一二三四五六]环(?:[东南西北]?路|线|高架)?(?:[东南西北]段)?"
                        r"(?![境保卫节比扣])")
_ROAD_SECTION = re.compile(SECTION)  # after a road: its numbered section (一环路|南二段), kept in the mention
_AREA_TYPES = frozenset({"city", "district", "street", "community"})


class LocationExtractor:
    """Extracts place mentions; rebuilds its surface table when the gazetteer changes."""

    def __init__(self, gazetteer: Gazetteer, segmenter: Segmenter, span_model: SpanModel | None = None) -> None:
        self._gazetteer = gazetteer
        self._segmenter = segmenter
        self._stems = StemFinder(segmenter)
        self._compounds = CompoundFinder(segmenter, self._stems)
        self._retokenizer = Retokenizer(segmenter, self._stems)
        self._learned = LearnedSpans(span_model, segmenter) if span_model is not None else None
        self._version, self._table, self._lengths = -1, {}, {}

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

    def extract_parts(self, parts: Sequence[tuple[str, Sequence[Token] | None]]) -> list[list[Mention]]:
        """extract() for several texts of one post (text, title, …): the learned tagger reads them in one go."""
        words = [(text, self._segmenter.analyze(text) if tokens is None else tokens) for text, tokens in parts]
        proposals = self._learned.propose(words) if self._learned is not None else [None] * len(words)
        return [self.extract(text, tokens, proposed) for (text, tokens), proposed in zip(words, proposals)]

    def extract(self, text: str, tokens: Sequence[Token] | None = None,
                proposed: list[tuple[int, int]] | None = None) -> list[Mention]:
        """Place mentions in ``text``, in order of appearance, non-overlapping."""
        self._refresh()
        words = self._segmenter.analyze(text) if tokens is None else tokens
        tokens = self._retokenizer.refine(words)
        starts = {t.start for t in tokens} | {len(text)}
        token_at = [0] * (len(text) + 1)
        for index, token in enumerate(tokens):
            for pos in range(token.start, token.end):
                token_at[pos] = index
        taken = [False] * (len(text) + 1)
        mentions = self._junctions(text, tokens, token_at, taken)
        mentions += self._gazetteer_matches(text, starts, taken)
        mentions += self._shapes(text, tokens, token_at, taken)
        mentions += self._compounds.find(text, tokens, token_at, taken, self._table)
        if self._learned is not None:  # names the rules cannot shape: 金色夏威夷, 豪贤路
            mentions += self._learned.find(text, words, taken, mentions, self._table, proposed)
        mentions = self._road_tails(text, taken, mentions)
        # House numbers last: they attach to a road or compound found by either pass.
        mentions = self._addresses(text, tokens, token_at, taken, mentions)
        return sorted(mentions, key=lambda m: m.start)

    def _road_tails(self, text: str, taken: list[bool], mentions: list[Mention]) -> list[Mention]:
        """Ring roads, then what follows a road: its section, or the suffix of a place named after it."""
        for ring in _RING_ROAD.finditer(text):  # 二环, 南三环东段: ring roads have no stem to grow
            if not any(taken[ring.start():ring.end()]):
                mentions.append(Mention(ring.group(), ring.start(), ring.end(), "road"))
                _take(taken, ring.start(), ring.end())
        for mention in mentions:
            section = _ROAD_SECTION.match(text, mention.end) if mention.type == "road" else None
            if section and not any(taken[mention.end:section.end()]):  # 一环路|南二段: the road's section
                mention.text, mention.end = text[mention.start:section.end()], section.end()
                _take(taken, mention.start, mention.end)
            after = ANCHOR.match(text, mention.end) if mention.type == "road" else None
            if after and SUFFIX_TYPE[after.group()] in _NAMED_AFTER_ROADS and not any(taken[mention.end:after.end()]):
                # 赤岭路|街道, 华夏路|社区, 金山桥|街道: a street or community named after the road
                mention.text, mention.end, mention.type = text[mention.start:after.end()], after.end(), \
                    SUFFIX_TYPE[after.group()]
                mention.candidates = [(pid, w) for pid, w, _ in self._table.get(mention.text, [])]
                _take(taken, mention.start, mention.end)
        return mentions

    def _junctions(self, text: str, tokens: Sequence[Token], token_at: list[int],
                   taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        position = 0
        while (match := JUNCTION.search(text, position)) is not None:
            position = match.start() + 1  # a rejected match may hide one that starts later
            first = "a" if match["a"] else "one"
            # Two roads and 路口 say "place" already: the first road's name may be common words.
            start = self._road_start(text, tokens, token_at, match[first], match.end(first), taken,
                                     loose=bool(match["b"]))
            # The second road must be a whole name too: not 人民路|的杨家山路口.
            if start is None or (match["b"] and not second_road_is_name(tokens, token_at, match)):
                continue
            position = match.end()
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
        for match in NEAR.finditer(text):
            if any(taken[match.start("a"):match.end()]) or tokens[token_at[match.end() - 1]].end != match.end():
                continue
            start = self._road_start(text, tokens, token_at, match["a"], match.end("a"), taken, loose=True)
            if start is None or not second_road_is_name(tokens, token_at, match):
                continue  # not 中山路近|几年修了好几次路
            roads = (self._road_candidates(text[start:match.end("a")]), self._road_candidates(match["b"]))
            out.append(Mention(text[start:match.end()], start, match.end(), "intersection", [], roads))
            _take(taken, start, match.end())
        return out

    def _road_start(self, text: str, tokens: Sequence[Token], token_at: list[int], road: str, end: int,
                    taken: list[bool], loose: bool) -> int | None:
        """Where the road name ``road`` (…路, …大道, …路南三段), ending at ``end``, really begins."""
        segment = SEGMENT.search(road)
        if segment:
            road, end = road[:segment.start()], end - len(segment.group())
        suffix = 2 if road.endswith("大道") else 1
        if road.endswith("道") and suffix == 1 and not self._stems.own_word_road(tokens, token_at, end - 1, "道"):
            return None
        start = self._stems.start(tokens, token_at, end - suffix, taken, loose=loose)
        if start is None and not taken[end - suffix - 1]:
            start = self._stems.road_name_word(text, tokens, token_at, end - suffix)  # 人民路口
        if start is None:
            return None
        # 鄞州|中山东路: a district or street named in front of the road is a mention of its own.
        for length in self._lengths.get(text[start], ()):
            entries = self._table.get(text[start:start + length], ())
            if start + length <= end - suffix - 2 and entries and all(
                    self._gazetteer.place(pid).type in _AREA_TYPES for pid, _, _ in entries):
                return start + length
        return start

    def _road_candidates(self, name: str) -> list[tuple[str, float]]:
        return [(pid, w) for pid, w, _ in self._table.get(name, []) if self._gazetteer.place(pid).type == "road"]

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
        types = {self._gazetteer.place(pid).type for pid, _, _ in entries}
        if ROAD_AFTER.match(text, end) and not types & {"road", "intersection"}:
            return False
        if COMPOUND_AFTER.match(text, end) and not types & {"compound", "poi"}:
            return False
        if GATE.fullmatch(surface) and start > 0 and text[start - 1] not in GATE_LEAD:
            return False
        weak = all(kind == "short" for _, _, kind in entries)
        if not weak and len(surface) > 2:
            return True
        # Two-character names and abbreviations must be whole words: 南湖 in 南湖边 yes,
        # in 西南湖畔 no.
        if start not in starts or end not in starts:
            return False
        if weak and ANCHOR.match(text, end):
            return False  # 新城 in 丽发新城小区 is part of another name
        if weak and self._segmenter.frequency(surface) >= COMMON_WORD_FREQ \
                and self._segmenter.tag(surface) != "ns":
            return bool(PLACE_CUE.match(text, end))
        return True

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
            start = self._stems.start(tokens, token_at, match.start(), taken)
            if start is None or match.start() - start < 2:
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
        if road.word not in ROAD_WORDS or road.start == 0 or any(taken[road.start:number_start]):
            return None
        stem = tokens[token_at[road.start - 1]]
        if stem.tag not in NOMINAL_TAGS | PLACE_TAGS or any(taken[stem.start:stem.end]):
            return None
        return stem.start

    def _shapes(self, text: str, tokens: Sequence[Token], token_at: list[int],
                taken: list[bool]) -> list[Mention]:
        out: list[Mention] = []
        for match in ANCHOR.finditer(text):
            suffix_start, end = match.span()
            suffix = tokens[token_at[end - 1]]
            if any(taken[suffix_start:end]) or suffix.end != end or suffix.tag.startswith("v") \
                    or (match.group() in _OWN_WORD_ROADS
                        and not self._stems.own_word_road(tokens, token_at, suffix_start, match.group())) \
                    or (SUFFIX_TYPE[match.group()] == "road" and ROAD_AFTER.match(text, end)):  # 高升桥|东路
                continue  # the suffix must end a word: not 路 in 路上, not 市 in 市场; not 道 in 车道
            kind = SUFFIX_TYPE[match.group()]
            start = self._stems.start(tokens, token_at, suffix_start, taken,
                                      head_word=match.group() in NAME_ONLY_SUFFIXES, brand=kind == "compound")
            if kind == "road" and (start is None or suffix_start - start < 2):
                word_start = tokens[token_at[suffix_start]].start  # 人民|东路: from the direction on
                named = None if taken[word_start - 1] else self._stems.road_name_word(text, tokens, token_at, word_start)
                start = start if named is None else named
            if start is None or suffix_start - start < 2:
                continue
            only = tokens[token_at[start]]
            if kind in ("city", "district", "community") and (GENERIC_AREA.fullmatch(text, start, end) or (
                    match.group() == "市" and suffix.start < suffix_start and suffix.tag not in PLACE_TAGS)):
                continue  # 文明城市, 老城区; 夜市, 超市: words, not places
            if (only.start == start and only.end == end and only.tag not in PLACE_TAGS
                    and not (kind == "road" and self._stems.rare_road_word(only))) \
                    or (kind == "compound" and KIND_OF_COMPOUND.fullmatch(text, start, suffix_start)):
                continue  # one everyday word (道路, 超市, 城区), or a kind of compound (老旧小区)
            tail = COMPOUND_TAIL.match(text, end) if kind == "compound" else None
            if tail and not any(taken[end:tail.end()]):
                end = tail.end()  # 阳光花园 + 小区, 金色家园 + 二期
            span = text[start:end]
            out.append(Mention(span, start, end, kind,
                               [(pid, w) for pid, w, _ in self._table.get(span, [])]))
            _take(taken, start, end)
        return out


def _take(taken: list[bool], start: int, end: int) -> None:
    for pos in range(start, end):
        taken[pos] = True
