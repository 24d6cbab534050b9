"""A learned place-name tagger: an averaged perceptron over characters, read as B/I/O tags.

The suffix rules in nlp.locations find names shaped like 中山|路 and 龙川|家园. They miss
names with no suffix (金色夏威夷, 阅马场), names jieba cuts wrongly (豪|贤路, 大|光路), and
each city's own forms (五味什字, 三经街). This model learns from the characters, from the
words jieba makes of them and from what surrounds them (…的物业, 住在…, …北门) what a place
name looks like. It is trained by ``minsheng train --kind places`` on the team's
place-evaluation sets (nlp.training.place_fit); nlp.learned_spans decides which of its
spans to keep.
"""
from __future__ import annotations

import functools
import io
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nlp.place_words import ANCHOR
from nlp.segmenter import Token
from nlp.stems import COMMON_WORD_FREQ as EVERYDAY

TAGS = ("O", "B", "I")
START = 3  # the transitions' extra row: scores for the first character's tag
_FORBIDDEN = -1e9  # O → I: a name cannot continue without having begun
BUCKETS_BITS = 22  # features are hashed into 2**20 weight rows; collisions are rare at ~200k features
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PAD = "\x02\x02"
# Character templates over a 5-character window (rows 0..4: two left, one left, the character,
# one right, two right): each alone, and five pairs (l1+c, c+r1, l2+l1, r1+r2, l1+r1).
_SINGLE_IDS = np.arange(1, 6, dtype=np.uint64)[:, None]
_PAIR_IDS = np.arange(6, 11, dtype=np.uint64)[:, None]
_PAIR_LEFT, _PAIR_RIGHT = np.array([1, 2, 0, 3, 1]), np.array([2, 3, 1, 4, 3])
_BREAK = (0, 0, 0)  # the line break joining two texts, as a word of its own
_WORD_IDS = np.arange(21, 29, dtype=np.uint64)[:, None] << np.uint64(40)  # the word templates' numbers


def _stable(word: str) -> int:
    return zlib.crc32(word.encode("utf-8"))


@functools.lru_cache(maxsize=256)
def _tag_id(tag: str) -> int:
    return _stable(tag) & 0xFFFF


def _kinds(codes: np.ndarray) -> np.ndarray:
    """0 punctuation/other, 1 digit, 2 Latin letter, 3 Han, per code point."""
    kinds = np.zeros(codes.shape, dtype=np.uint64)
    kinds[(codes >= 48) & (codes <= 57) | (codes >= 0xFF10) & (codes <= 0xFF19)] = 1
    lower = codes | 32
    kinds[(lower >= 97) & (lower <= 122)] = 2
    kinds[(codes >= 0x4E00) & (codes <= 0x9FFF)] = 3
    return kinds


class Featurizer:
    """Turns a segmented text into hashed feature rows; remembers what it learnt about each word."""

    def __init__(self, frequency: Callable[[str], int]) -> None:
        self._frequency = frequency
        self._words_info: dict[tuple[str, str], tuple[int, int, int]] = {}

    def _word(self, word: str, tag: str) -> tuple[int, int, int]:
        """(tag id; how common: 0 unknown, 1 rare, 2 everyday; the word's hash if everyday and short, else 0)."""
        if len(self._words_info) > 200_000:  # jieba's guesses at unknown words would grow it forever
            self._words_info.clear()
        count = self._frequency(word)
        info = self._words_info[(word, tag)] = (_tag_id(tag), 0 if count == 0 else (1 if count < EVERYDAY else 2),
                                                _stable(word) if count >= EVERYDAY and len(word) <= 3 else 0)
        return info

    def rows(self, text: str, tokens: Sequence[Token]) -> np.ndarray:
        return self.rows_joined([(text, tokens)])

    def rows_joined(self, parts: Sequence[tuple[str, Sequence[Token]]]) -> np.ndarray:
        """Hashed feature rows, shape (templates, len(text)): the weight rows each character adds up.

        Templates: the character and its neighbours (single and in pairs), the kinds of
        character around it, the jieba word it sits in (where in the word, its tag, how
        common it is, and which word if it is an everyday one such as 路上, 门口, 物业), the
        tags of the words either side, and whether a place suffix ends or starts here.
        Everything per character is numpy; Python only walks the words. Several texts (a
        post's title and text) are read as one, joined by line breaks: numpy's fixed cost per
        call is most of the time on short texts.
        """
        text = "\n".join(part for part, _ in parts)
        n = len(text)
        codes = np.frombuffer((_PAD + text + _PAD).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        window = np.stack([codes[k:k + n] for k in range(5)])  # (5, n): l2, l1, c, r1, r2
        singles = _SINGLE_IDS * np.uint64(0x110000) + window
        pairs = (_PAIR_IDS * np.uint64(0x110000) + window[_PAIR_LEFT]) * np.uint64(0x110000) + window[_PAIR_RIGHT]
        kinds = _kinds(codes)
        keys = [singles, pairs, (np.uint64(20 * 64) + kinds[1:n + 1] * 16 + kinds[2:n + 2] * 4 + kinds[3:n + 3])[None]]
        words = self._words_info
        info: list[tuple[int, int, int]] = []
        spans: list[int] = []
        for number, (_, tokens) in enumerate(parts):
            if number:
                info.append(_BREAK)
                spans.append(1)
            info += [words.get((t.word, t.tag)) or self._word(t.word, t.tag) for t in tokens]
            spans += [t.end - t.start for t in tokens]
        lengths = np.array(spans, dtype=np.int64)
        if int(lengths.sum()) != n or (lengths <= 0).any():
            raise ValueError("the tokens do not cover the text end to end")
        tag, band, word = np.repeat(np.array(info, dtype=np.uint64).reshape(-1, 3), lengths, axis=0).T
        where = np.full(n, 2, dtype=np.uint64)  # inside a word; 1 first, 3 last, 0 a word of its own
        ends = np.cumsum(lengths)
        where[ends - lengths], where[ends - 1] = 1, 3
        where[(ends - lengths)[lengths == 1]] = 0
        position_tag = where * np.uint64(1 << 16) + tag
        before = np.concatenate(([np.uint64(5 << 16)], position_tag[:-1]))
        after = np.concatenate((position_tag[1:], [np.uint64(6 << 16)]))
        suffix = np.zeros(n, dtype=np.uint64)
        for match in ANCHOR.finditer(text):
            suffix[match.end() - 1] |= 1
            suffix[match.start()] |= 2
        word_keys = np.stack([position_tag, where * 4 + band, tag * 4 + band, (where << np.uint64(32)) + word,
                              after, before, suffix, np.zeros(n, dtype=np.uint64)])  # the last row: the bias
        keys.append(_WORD_IDS + word_keys)
        return (np.concatenate(keys) * _GOLDEN) >> np.uint64(64 - BUCKETS_BITS)


def gold_tags(text: str, spans: Sequence[str]) -> list[int]:
    """B/I/O indexes marking every occurrence of each span, longer spans first."""
    tags = [0] * len(text)
    for span in sorted(set(spans), key=len, reverse=True):
        at = text.find(span)
        while at >= 0 and span:
            if not any(tags[at:at + len(span)]):
                tags[at] = 1
                tags[at + 1:at + len(span)] = [2] * (len(span) - 1)
            at = text.find(span, at + 1)
    return tags


def viterbi(emissions: np.ndarray, transitions: np.ndarray, spread: float | None = None) -> list[int]:
    """The best tag sequence (O=0, B=1, I=2); ``transitions[prev, cur]``, row START for the first tag.

    Most characters of a post are plainly not in a name: where a character's O score, and
    the next one's, beat B and I by more than two transitions could make up, the chain is
    cut and the runs between are decoded on their own. That is about twice as fast; on 6,013
    real and written posts it found the same path as decoding the whole chain every time.
    """
    rows = emissions.tolist()
    trans = transitions.tolist()
    spread = transition_spread(transitions) if spread is None else spread
    if len(rows) < 24:  # a title: cutting the chain costs more than it saves
        return _decode(rows, trans, trans[START], False)
    clear = (emissions[:, 0] - emissions[:, 1:].max(axis=1)) > spread
    surely_o = clear & np.append(clear[1:], True)  # …and the next one too, else it might begin a name there
    tags = [0] * len(rows)
    i, n = 0, len(rows)
    while i < n:
        if surely_o[i]:
            i += 1
            continue
        j = i
        while j < n and not surely_o[j]:
            j += 1
        tags[i:j] = _decode(rows[i:j], trans, trans[0] if i > 0 else trans[START], j < n)
        i = j
    return tags


def transition_spread(transitions: np.ndarray) -> float:
    """How much two transitions can change a path's score (O→I is never taken): see viterbi()."""
    inner = transitions[:3, :3]
    return 2.0 * float(inner.max() - np.delete(inner.ravel(), 2).min())


def _decode(rows: list[list[float]], trans: list[list[float]], first: list[float], then_o: bool) -> list[int]:
    """Viterbi over one run; ``first`` scores its first tag, ``then_o``: an O follows the run."""
    (oo, ob, _), (bo, bb, bi), (io, ib, ii) = trans[0], trans[1], trans[2]
    # A run starts the text or follows an O: either way it cannot start inside a name.
    o, b, i = first[0] + rows[0][0], first[1] + rows[0][1], _FORBIDDEN
    back: list[tuple[int, int, int]] = []
    for eo, eb, ei in rows[1:]:
        # Plain comparisons rather than max() over tuples: this runs per character of every post.
        x, y, z = o + oo, b + bo, i + io
        to_o, from_o = (x, 0) if x >= y and x >= z else ((y, 1) if y >= z else (z, 2))
        x, y, z = o + ob, b + bb, i + ib
        to_b, from_b = (x, 0) if x >= y and x >= z else ((y, 1) if y >= z else (z, 2))
        y, z = b + bi, i + ii  # never from O: a name cannot continue unbegun
        to_i, from_i = (y, 1) if y >= z else (z, 2)
        back.append((from_o, from_b, from_i))
        o, b, i = to_o + eo, to_b + eb, to_i + ei
    if then_o:
        o, b, i = o + oo, b + bo, i + io
    tag = 0 if o >= b and o >= i else (1 if b >= i else 2)
    path = [tag]
    for step in reversed(back):
        tag = step[tag]
        path.append(tag)
    return path[::-1]


def tag_spans(tags: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) of each B I* run."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(tags):
        if tags[i] == 1:
            j = i + 1
            while j < len(tags) and tags[j] == 2:
                j += 1
            out.append((i, j))
            i = j
        else:
            i += 1
    return out


class SpanModel:
    """Hashed feature weights per tag plus tag-to-tag transitions; read-only once built."""

    def __init__(self, weights: np.ndarray, transitions: np.ndarray) -> None:
        self.weights = weights.astype(np.float32)  # (2**BUCKETS_BITS, 3): 48 MB, one gather per post
        self.transitions = transitions.astype(np.float64)
        self.spread = transition_spread(self.transitions)

    def spans(self, text: str, tokens: Sequence[Token], featurizer: Featurizer) -> list[tuple[int, int]]:
        return self.spans_joined([(text, tokens)], featurizer)[0]

    def spans_joined(self, parts: Sequence[tuple[str, Sequence[Token]]],
                     featurizer: Featurizer) -> list[list[tuple[int, int]]]:
        """Spans per text; the texts are featurised together (one numpy pass) but decoded apart."""
        if not any(text for text, _ in parts):
            return [[] for _ in parts]
        emissions = self.weights[featurizer.rows_joined(parts)].sum(axis=0)
        out, at = [], 0
        for text, _ in parts:
            out.append(tag_spans(viterbi(emissions[at:at + len(text)], self.transitions, self.spread))
                       if text else [])
            at += len(text) + 1
        return out

    def save(self, path: Path) -> None:
        used = np.flatnonzero(np.abs(self.weights).sum(axis=1) > 0)  # most rows are empty: store the rest
        buffer = io.BytesIO()
        np.savez_compressed(buffer, rows=used.astype(np.uint32), weights=self.weights[used],
                            transitions=self.transitions, bits=np.array([BUCKETS_BITS]))
        Path(path).write_bytes(buffer.getvalue())

    @classmethod
    def load(cls, path: Path) -> SpanModel:
        with np.load(Path(path)) as data:
            if int(data["bits"][0]) != BUCKETS_BITS:
                raise ValueError(f"{path}: hashed into 2**{int(data['bits'][0])} rows, expected 2**{BUCKETS_BITS}")
            weights = np.zeros((1 << BUCKETS_BITS, 3), dtype=np.float32)
            weights[data["rows"]] = data["weights"]
            return cls(weights, data["transitions"])
