"""Text likeness over segmented posts: features, a 128-bit SimHash, and overlap.

The SimHash fingerprint is stored with every case and evidence post; its Hamming
distance estimates the angle between two posts' feature vectors and is reliable
where it is used: near-duplicates and templated claims (high similarity). For the
low bar of "same problem" (min_similarity ≈ 0.25) its estimate of unrelated texts
wanders by ±0.28 at 128 bits, so matching compares the few candidate cases by the
exact weighted overlap of features instead.

Kept pure and dependency-free so matching, rules and ledgers share one definition.
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

BITS = 128
# Function words and fillers that every complaint shares; they would pull unrelated
# posts together, so they carry no weight.
STOPWORDS = frozenset(
    "的 了 是 在 不 没 人 我 我们 你 你们 他 她 它 他们 这 那 这个 那个 有 和 与 及 就 都 也 还 又 很 吗 呢 吧 啊 呀 哦 么"
    " 一个 什么 怎么 请 请问 谢谢 希望 能 能否 可以 已经 一直 没有 现在 问题 反映 情况 相关 部门 领导 你好 您好"
    # Fillers and asks common to every complaint ("please fix it soon").
    " 被 太 要 会 去 来 说 让 把 给 对 到 从 跟 个 些 点 下 里 中 后 前 将 为 着 过 等 啦 嘛 哈 真 好 多 更 最"
    " 非常 特别 真的 实在 一下 一些 有点 总是 经常 每天 天天 今天 昨天 晚上 早上 白天 时候 已 该 应该 需要"
    " 进行 存在 导致 造成 尽快 及时 处理 解决 市民 居民 我家 家里 大家 有人 不是 还是 但是 而且 因为 所以"
    # Generic place words: the place itself was compared already.
    " 路口 交叉口 附近 门口 这里 那里 这边 那边 旁边 对面 小区 地方".split()
)
_SKIP = re.compile(r"^[\W_]+$", re.UNICODE)  # punctuation, emoji, whitespace-only tokens


def features(tokens: str, text: str = "", exclude: Iterable[str] = ()) -> Counter[str]:
    """Weighted features of a post: its segmented tokens, minus stopwords and
    the place mentions in ``exclude``.

    Place words are dropped because matching already compared places; left in, they
    would make two different problems at one intersection look alike. Without tokens
    (a tagger that did not segment) character bigrams of ``text`` stand in.
    """
    # One string holding every place span: "word in joined" is one C-level search
    # instead of a Python loop over the spans for each word.
    joined = "\x00".join(span for span in exclude if span)
    if not tokens.strip():
        return Counter(_bigrams(text))
    units: list[str] = []
    for word in tokens.split():
        if word in STOPWORDS or (joined and word in joined) or _SKIP.match(word):
            continue
        if len(word) == 1:
            units.append(word)
        else:
            # Character bigrams inside each word, not the word itself: 垃圾清运 and
            # 垃圾 + 清运 (two segmentations of one phrase) then share 垃圾 and 清运, and
            # 玻璃碴 meets 碎玻璃 on 玻璃. Bigrams never cross a word boundary.
            units.extend([word[i:i + 2] for i in range(len(word) - 1)])
    return Counter(units)


def _bigrams(text: str) -> list[str]:
    chars = [c for c in text if c.isalnum()]
    return ["".join(chars[i:i + 2]) for i in range(len(chars) - 1)]


def overlap(a: Counter[str], b: Counter[str]) -> float:
    """Weighted overlap coefficient in [0, 1]: shared weight over the smaller text's.

    Dividing by the smaller side lets a one-line video comment match a long forum
    thread about the same problem.
    """
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    shared = sum(min(weight, b[word]) for word, weight in a.items() if word in b)
    return shared / min(sum(a.values()), sum(b.values()))


def _token_digest(word: str) -> bytes:
    # blake2b, not hash(): fingerprints are stored and compared across processes.
    return hashlib.blake2b(word.encode("utf-8"), digest_size=BITS // 8).digest()


def _token_hash(word: str) -> int:
    return int.from_bytes(_token_digest(word), "big")


def simhash(weights: Counter[str] | dict[str, float]) -> int:
    """Charikar's SimHash of weighted features; 0 for an empty feature set.

    Bit i of the result is set when the features whose hash has bit i set outweigh
    those whose hash has it clear. The features × bits sum is one matrix product:
    a long post has hundreds of features, and a Python loop over 128 bits of each
    cost ~10 ms a post on the ingest path.
    """
    if not weights:
        return 0
    digests = np.frombuffer(b"".join(_token_digest(word) for word in weights), dtype=np.uint8)
    # Rows of 128 bits, most significant first (the digest is the hash in big-endian).
    signs = np.unpackbits(digests.reshape(len(weights), BITS // 8), axis=1).astype(np.float64) * 2.0 - 1.0
    totals = np.fromiter(weights.values(), dtype=np.float64, count=len(weights)) @ signs
    return int.from_bytes(np.packbits(totals > 0).tobytes(), "big")


def to_hex(value: int) -> str:
    """32 hex characters: fits the ``signature`` columns."""
    return f"{value:0{BITS // 4}x}"


def from_hex(text: str | None) -> int | None:
    return int(text, 16) if text else None


def similarity(a: int | str | None, b: int | str | None) -> float:
    """Estimated cosine similarity in [0, 1]: cos(π · hamming / bits).

    Unrelated texts sit near hamming = bits/2, i.e. 0; identical ones at 1. An
    empty fingerprint (no usable words) is similar to nothing.
    """
    left = from_hex(a) if isinstance(a, str) else a
    right = from_hex(b) if isinstance(b, str) else b
    if not left or not right:
        return 0.0
    distance = bin(left ^ right).count("1")
    return max(0.0, math.cos(math.pi * distance / BITS))


def fingerprint(tokens: str, text: str = "", exclude: Iterable[str] = ()) -> str | None:
    """Hex SimHash of a post, or None when nothing is left to compare."""
    weights = features(tokens, text, exclude)
    return to_hex(simhash(weights)) if weights else None
