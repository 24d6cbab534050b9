"""Chinese word segmentation for the tagger and the search engines.

A private ``jieba.Tokenizer`` (never jieba's global one, so other code that uses
jieba is unaffected) with the gazetteer's names and the shipped 12345 domain
lexicon added as user words. Part-of-speech tags come from jieba's dictionary
tag table looked up per token rather than from ``jieba.posseg``: posseg runs a
second HMM over every out-of-vocabulary run and is ~10x slower, while the
location tagger only needs coarse tags (noun / place / verb / pronoun ...).
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import jieba

from nlp.word_graph import RoutedTokenizer

DEFAULT_LEXICON = Path(__file__).resolve().parent / "data" / "lexicon.txt"
_TAG_CACHE_VERSION = 1
# Punctuation, symbols and whitespace: dropped from search tokens.
_NOT_WORD = re.compile(r"^[\W_]+$", re.UNICODE)
_LATIN_OR_DIGIT = re.compile(r"^[A-Za-z0-9.\-+%]+$")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True, slots=True)
class Token:
    """One segmented word with its character span in the analysed text."""

    word: str
    tag: str
    start: int
    end: int


class Segmenter:
    """jieba segmentation with domain words; build once, then call from any thread."""

    def __init__(self, words: Iterable[tuple[str, str]] = (), lexicon: Path | None = None,
                 cache_dir: Path | None = None) -> None:
        """``words`` are (word, pos-tag) pairs, e.g. gazetteer names tagged ``ns``.

        ``lexicon`` is an extra term file (one ``word [tag]`` per line) read on top of
        the shipped one; ``cache_dir`` keeps jieba's prefix dictionary and the tag
        table between runs so later start-ups skip the ~2 s rebuild.
        """
        self._extra_words = list(words)
        self._lexicons = [DEFAULT_LEXICON] + ([Path(lexicon)] if lexicon else [])
        self._cache_dir = Path(cache_dir) if cache_dir else None
        self._tokenizer: jieba.Tokenizer | None = None
        self._tags: dict[str, str] = {}
        self._index_memo: dict[str, tuple[str, tuple[str, ...]]] = {}

    def initialize(self) -> None:
        """Build the prefix dictionary (cached under cache_dir) and add domain words."""
        jieba.setLogLevel(logging.WARNING)
        tokenizer = RoutedTokenizer()
        if self._cache_dir is not None:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            tokenizer.tmp_dir = str(self._cache_dir)
        tokenizer.initialize()
        self._tags = self._load_tags(tokenizer)
        for path in self._lexicons:
            for word, tag in read_lexicon(path):
                self._add(tokenizer, word, tag)
        for word, tag in self._extra_words:
            self._add(tokenizer, word, tag)
        self._tokenizer = tokenizer

    def _add(self, tokenizer: jieba.Tokenizer, word: str, tag: str) -> None:
        word = word.strip()
        if not word or " " in word:
            return
        # A frequency above what the DAG would pick for the pieces keeps the term whole.
        tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word) or 0, 2000))
        self._tags[word] = tag

    def _load_tags(self, tokenizer: jieba.Tokenizer) -> dict[str, str]:
        """jieba's word → POS table, pickled under cache_dir (parsing dict.txt takes ~0.6 s)."""
        dict_file = tokenizer.get_dict_file()
        name = getattr(dict_file, "name", "dict")
        digest = hashlib.md5(f"{name}:{_TAG_CACHE_VERSION}".encode()).hexdigest()[:12]
        cache = self._cache_dir / f"minsheng-tags-{digest}.pickle" if self._cache_dir else None
        if cache is not None and cache.is_file():
            try:
                with cache.open("rb") as handle:
                    return dict(pickle.load(handle))
            except (OSError, pickle.UnpicklingError, EOFError):
                pass  # a corrupt cache is rebuilt below
        tags: dict[str, str] = {}
        with dict_file as handle:
            for raw in handle:
                parts = raw.decode("utf-8").split()
                if len(parts) >= 3:
                    tags[parts[0]] = parts[2]
        if cache is not None:
            _write_cache(cache, tags)
        return tags

    @property
    def tokenizer(self) -> jieba.Tokenizer:
        if self._tokenizer is None:
            raise RuntimeError("Segmenter.initialize() has not been called")
        return self._tokenizer

    def tokens(self, text: str) -> list[str]:
        """Words of ``text`` in order, punctuation and spaces included."""
        return self.tokenizer.lcut(text)

    def analyze(self, text: str) -> list[Token]:
        """Words with POS tags and character offsets."""
        out: list[Token] = []
        pos = 0
        for word in self.tokenizer.lcut(text):
            end = pos + len(word)
            out.append(Token(word, self.tag(word), pos, end))
            pos = end
        return out

    def tag(self, word: str) -> str:
        """Dictionary POS tag; out-of-vocabulary words get a tag from their characters."""
        known = self._tags.get(word)
        if known:
            return known
        if _NOT_WORD.match(word):
            return "x"
        if _LATIN_OR_DIGIT.match(word):
            return "m" if word[0].isdigit() else "eng"
        # jieba's HMM mostly finds names (people, places, shops) among unknown runs.
        return "nz" if _HAN.search(word) else "x"

    def frequency(self, word: str) -> int:
        """How common ``word`` is in jieba's base dictionary (0 = unknown)."""
        return int(self.tokenizer.FREQ.get(word) or 0)

    def search_tokens(self, text: str) -> str:
        """The documents' analyser: lowercased words in order, then, after a marker,
        the dictionary sub-words of compounds (玻璃碴 → 玻璃), so that a search for 玻璃
        finds 玻璃碴 while phrases still match only the words as written. The marker
        is punctuation, which queries never contain, so no phrase spans the two parts."""
        return self.index_tokens(self.tokenizer.lcut(text))

    def index_tokens(self, raw_words: Iterable[str]) -> str:
        """search_tokens() for text that is already segmented."""
        memo = self._index_memo
        words: list[str] = []
        extra: list[str] = []
        for raw in raw_words:
            entry = memo.get(raw)
            if entry is None:
                # Words recur post after post; a word's search form and sub-words only change
                # when the dictionary does (add_word clears this).
                if len(memo) > 200_000:
                    memo.clear()
                word = next(iter(search_words([raw])), "")
                entry = memo[raw] = (word, tuple(self.subwords(word)) if word else ())
            if entry[0]:
                words.append(entry[0])
                extra += entry[1]
        return " ".join(words + [SUBWORD_MARK] + extra) if extra else " ".join(words)

    def add_word(self, word: str, freq: int = 2000) -> None:
        """A word learnt at run time (a place alias staff added); segmentation keeps it whole."""
        self.tokenizer.add_word(word.strip(), freq=freq)
        self._index_memo.clear()

    def query_tokens(self, text: str) -> str:
        """The queries' analyser: the same words as documents, without sub-words."""
        return " ".join(search_words(self.tokenizer.lcut(text)))

    def subwords(self, word: str) -> list[str]:
        """Dictionary words of 2 and 3 characters inside a longer word (jieba's search mode)."""
        freq = self.tokenizer.FREQ
        found: list[str] = []
        for size in (2, 3):
            if len(word) > size:
                found += [word[i:i + size] for i in range(len(word) - size + 1) if freq.get(word[i:i + size])]
        return found


SUBWORD_MARK = "|"


def search_words(words: Iterable[str]) -> list[str]:
    """Lowercase, drop punctuation/whitespace tokens."""
    return [w.lower() for w in (raw.strip() for raw in words) if w and not _NOT_WORD.match(w)]


def _write_cache(cache: Path, tags: dict[str, str]) -> None:
    """Pickle ``tags`` to ``cache`` atomically; a cache that cannot be written only costs start-up time.

    Each writer gets its own temporary file: crawl processes that start together
    build the same cache, and a shared temporary name let one rename the other's
    file away mid-write.
    """
    try:
        handle, tmp = tempfile.mkstemp(dir=cache.parent, prefix=f"{cache.stem}.", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(tags, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache)
    except OSError:
        Path(tmp).unlink(missing_ok=True)


def read_lexicon(path: Path) -> list[tuple[str, str]]:
    """Read ``word [tag]`` lines; ``#`` comments and blank lines are skipped."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: lexicon file not found")
    out: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) > 2:
            raise ValueError(f"{path}:{number}: expected 'word [tag]', got {line!r}")
        out.append((parts[0], parts[1] if len(parts) == 2 else "n"))
    return out
