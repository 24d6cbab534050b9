"""Staff query syntax: parse into a small AST, then segment words into index tokens.

Syntax (what a 12345 operator types into the search box):

- words separated by spaces must all match (AND);
- ``"exact phrase"`` (ASCII or Chinese quotes “…”) matches adjacent tokens;
- ``-word``, ``-"phrase"`` or ``-(group)`` excludes;
- ``OR`` (upper case, a word of its own) between two terms or groups;
- ``( … )`` groups (ASCII or full-width parentheses).

``OR`` binds tighter than the implicit AND, as in web search engines:
``电梯 积水 OR 漏水`` means 电梯 AND (积水 OR 漏水).

Parsing is pure; :func:`analyze` runs the project's segmenter over the words so
the query uses exactly the tokens the documents were indexed with. The engines
render the analyzed tree (``tantivy_query``, ``es_query``).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

Segmenter = Callable[[str], str]

_QUOTES = {'"': '"', "“": "”", "”": "”", "「": "」"}
_CLOSING_QUOTES = ('"', "”", "」")
_OPEN = ("(", "（")
_CLOSE = (")", "）")
_SPECIAL = set(_QUOTES) | set(_QUOTES.values()) | set(_OPEN) | set(_CLOSE)
MAX_TERMS = 64
MAX_DEPTH = 8
MAX_WINDOW = 10_000  # deepest page*size served on both engines (Elasticsearch's max_result_window)


class QueryError(ValueError):
    """A query the staff typed cannot be parsed; the message is one line, in plain words."""


# -- AST ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    """An unquoted word as typed; after analysis all of its tokens must match."""
    text: str


@dataclass(frozen=True)
class Phrase:
    """A quoted phrase as typed, or (after analysis) its tokens in order."""
    text: str
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Term:
    """One index token (only in analyzed trees)."""
    token: str


@dataclass(frozen=True)
class Not:
    child: "Node"


@dataclass(frozen=True)
class And:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Or:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class MatchAll:
    """The empty query: every document."""


Node = Word | Phrase | Term | Not | And | Or | MatchAll


def normalize_token(token: str) -> str:
    """The one token normalisation both engines and both sides (docs, queries) share.

    NFKC folds full-width letters and digits (ＡＢＣ１２３ → ABC123) and lower() makes
    Latin words case-insensitive; Chinese is unaffected.
    """
    # NFKC can turn a symbol into several characters with a space; a token stays one token.
    return "".join(unicodedata.normalize("NFKC", token).lower().split())


def normalize_tokens(tokens: str) -> str:
    """Normalise a space-joined token string (a document's ``tokens``)."""
    if unicodedata.is_normalized("NFKC", tokens):
        # Fast path (most posts): lower() alone cannot create or remove token boundaries,
        # and the project's segmenter already emits lower-case, single-spaced tokens.
        lowered = tokens.lower()
        if lowered == tokens and "  " not in tokens and tokens.strip() == tokens and "\t" not in tokens:
            return tokens
        return " ".join(lowered.split())
    return " ".join(t for t in (normalize_token(t) for t in tokens.split()) if t)


# -- lexer ----------------------------------------------------------------------------
def _lex(text: str) -> list[tuple[str, str]]:
    """Split into (kind, value) lexemes: WORD, PHRASE, NOT, OR, LP, RP."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _OPEN:
            out.append(("LP", ch))
            i += 1
        elif ch in _CLOSE:
            out.append(("RP", ch))
            i += 1
        elif ch in _QUOTES:
            # Tolerate mixed quote styles (IMEs mix them): any closing quote ends it.
            ends = [p for p in (text.find(q, i + 1) for q in _CLOSING_QUOTES) if p >= 0]
            end = min(ends) if ends else -1
            if end < 0:
                raise QueryError(f"unclosed quote starting at character {i + 1}")
            out.append(("PHRASE", text[i + 1:end]))
            i = end + 1
        elif ch in ("-", "－") and i + 1 < n and not text[i + 1].isspace():
            # Only a leading minus negates; "G2-320" stays one word.
            out.append(("NOT", ch))
            i += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _SPECIAL:
                j += 1
            word = text[i:j]
            if word in ("-", "－"):
                raise QueryError(f"'-' at character {i + 1} must be followed by a word to exclude")
            out.append(("OR", word) if word == "OR" else ("WORD", word))
            i = j
    return out


# -- parser ---------------------------------------------------------------------------
class _Parser:
    def __init__(self, lexemes: list[tuple[str, str]]) -> None:
        self.lexemes = lexemes
        self.pos = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.lexemes[self.pos][0] if self.pos < len(self.lexemes) else None

    def take(self) -> tuple[str, str]:
        lexeme = self.lexemes[self.pos]
        self.pos += 1
        return lexeme

    def sequence(self) -> Node:
        items: list[Node] = []
        while self.peek() not in (None, "RP"):
            items.append(self.disjunction())
        if not items:
            raise QueryError("empty parentheses")
        return items[0] if len(items) == 1 else And(tuple(items))

    def disjunction(self) -> Node:
        if self.peek() == "OR":
            raise QueryError("OR needs a term on both sides")
        items = [self.unary()]
        while self.peek() == "OR":
            self.take()
            if self.peek() in (None, "RP", "OR"):
                raise QueryError("OR needs a term on both sides")
            items.append(self.unary())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def unary(self) -> Node:
        if self.peek() == "NOT":
            self.take()
            if self.peek() in (None, "RP", "OR", "NOT"):
                raise QueryError("'-' must be followed by a word, phrase or group to exclude")
            return Not(self.primary())
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "WORD":
            return Word(value)
        if kind == "PHRASE":
            return Phrase(value)
        if kind == "LP":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QueryError(f"parentheses nested deeper than {MAX_DEPTH} levels")
            node = self.sequence()
            if self.peek() != "RP":
                raise QueryError("missing closing parenthesis")
            self.take()
            self.depth -= 1
            return node
        raise QueryError("unexpected closing parenthesis")


def parse_query(text: str, max_chars: int = 500) -> Node:
    """Parse staff syntax into an AST of Word/Phrase/Not/And/Or (MatchAll if blank)."""
    if len(text) > max_chars:
        raise QueryError(f"query is {len(text)} characters long; the limit is {max_chars}")
    lexemes = _lex(text)
    if not lexemes:
        return MatchAll()
    if sum(1 for kind, _ in lexemes if kind in ("WORD", "PHRASE")) > MAX_TERMS:
        raise QueryError(f"query has more than {MAX_TERMS} words")
    parser = _Parser(lexemes)
    node = parser.sequence()
    if parser.peek() == "RP":
        raise QueryError("unexpected closing parenthesis")
    return node


# -- analysis -------------------------------------------------------------------------
def _tokens(text: str, segment: Segmenter) -> tuple[str, ...]:
    return tuple(t for t in (normalize_token(t) for t in segment(text).split()) if t)


def _analyze(node: Node, segment: Segmenter) -> Node | None:
    """Replace words by terms; drop parts that segment to nothing (punctuation only)."""
    if isinstance(node, Word | Phrase):
        tokens = _tokens(node.text, segment)
        if not tokens:
            return None
        if len(tokens) == 1:
            return Term(tokens[0])
        # A word the segmenter splits (中央城小区 → 中央城 小区) needs all its tokens;
        # only an explicit phrase demands them adjacent and in order.
        return Phrase(node.text, tokens) if isinstance(node, Phrase) else And(tuple(Term(t) for t in tokens))
    if isinstance(node, Not):
        child = _analyze(node.child, segment)
        return Not(child) if child is not None else None
    if isinstance(node, And | Or):
        kept = [c for c in (_analyze(c, segment) for c in node.children) if c is not None]
        if not kept:
            return None
        if len(kept) == 1:
            return kept[0]
        flat: list[Node] = []
        for child in kept:  # (a b) c == a b c; likewise for OR
            flat.extend(child.children if type(child) is type(node) else (child,))
        return type(node)(tuple(flat))
    return node


def analyze(node: Node, segment: Segmenter) -> Node:
    """Segment every word/phrase with the indexing segmenter into Term/Phrase tokens."""
    if isinstance(node, MatchAll):
        return node
    analyzed = _analyze(node, segment)
    if analyzed is None:
        raise QueryError("the query has no searchable words (only punctuation or symbols)")
    return analyzed


def compile_query(text: str, segment: Segmenter, max_chars: int = 500) -> Node:
    """Parse and analyze in one step: what the engines call."""
    return analyze(parse_query(text, max_chars), segment)


def positive_tokens(node: Node) -> list[str]:
    """Tokens that make a document match (for highlighting); excluded ones are left out."""
    if isinstance(node, Term):
        return [node.token]
    if isinstance(node, Phrase):
        return list(node.tokens)
    if isinstance(node, And | Or):
        return [t for child in node.children for t in positive_tokens(child)]
    return []


def check_window(page: int, size: int) -> None:
    """Refuse pages beyond the result window, alike on both engines."""
    if page * size > MAX_WINDOW:
        raise QueryError(f"page {page} of size {size} is beyond the first {MAX_WINDOW} results; narrow the search")
