"""A character n-gram linear classifier: hashed 1–3-grams of title+text → per-head softmax.

A post's hashed character n-grams, TF-IDF weighted (counts times the training
documents' idf, L2-normalised per post), feed one ``nn.EmbeddingBag`` whose
"embedding" width is the number of outputs: the whole model is a linear layer over
sparse features, the classic linear text classifier. ``nlp.training.ngram_fit``
trains it as a one-vs-rest squared-hinge machine; ``scale`` turns its margins into
softmax probabilities for the blend. Chinese needs no word segmentation for this,
short posts and long ones cost about the same, it trains in a minute or two on CPU
and it reads the whole post, where the small BERT reads 64 characters. (Checkpoints
saved without an idf table are the earlier mean-pooled variant and still load.)

It answers the same ``predict_post`` / ``prefetch`` calls as
``nlp.model.TransformerClassifier`` and returns the same grouped-head ``Prediction``,
so nlp.blend's model and blend modes use either.
"""
from __future__ import annotations

import json
import functools
import math
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from torch import nn

from nlp.model import ModelError, Prediction, join_title

KIND = "ngram"
WEIGHTS = "ngram.safetensors"
DEFAULT_BUCKETS = 1 << 17  # ~9 MB of float32 weights for 17 outputs; collisions stay rare
MAX_CHARS = 600  # titles plus the first paragraphs carry the category


def ngram_ids(text: str, buckets: int, max_n: int = 3, max_chars: int = MAX_CHARS) -> list[int]:
    """Hashed ids of every character 1..max_n-gram of the normalised text.

    crc32, not hash(): Python salts str hashes per process, and the ids must be the
    same at training and at inference time.
    """
    text = unicodedata.normalize("NFKC", text or "").lower()[:max_chars]
    text = " ".join(text.split())
    grams = (text[start:start + n] for n in range(1, max_n + 1) for start in range(len(text) - n + 1))
    ids = [_gram_hash(gram) % buckets for gram in grams if gram.strip()]
    return ids or [0]


@functools.lru_cache(maxsize=1 << 19)
def _gram_hash(gram: str) -> int:
    """crc32 of "n:gram"; remembered, since the same grams recur post after post (the tagger's hot path)."""
    return zlib.crc32(f"{len(gram)}:{gram}".encode("utf-8"))


def tfidf(ids: Sequence[int], idf: Sequence[float], sublinear: bool) -> tuple[list[int], list[float]]:
    """Unique ids and their weights: count (or 1 + log count) x idf, L2-normalised.

    ``idf`` is best a plain list: indexing a tensor element by element costs a microsecond each.
    """
    counts = Counter(ids)
    unique = list(counts)
    weights = [((1.0 + math.log(counts[i])) if sublinear else float(counts[i])) * float(idf[i]) for i in unique]
    norm = math.sqrt(sum(w * w for w in weights)) or 1.0
    return unique, [w / norm for w in weights]


def document_idf(id_lists: Sequence[Sequence[int]], buckets: int) -> torch.Tensor:
    """Smoothed idf per bucket: log((1 + N) / (1 + df)) + 1, as the usual TF-IDF."""
    df = torch.zeros(buckets)
    for ids in id_lists:
        df[torch.tensor(sorted(set(ids)), dtype=torch.long)] += 1
    return torch.log((1 + len(id_lists)) / (1 + df)) + 1


class NgramNet(nn.Module):
    """Weighted sum (or, without weights, mean) of the n-grams' output rows plus a bias."""

    def __init__(self, buckets: int, outputs: int, weighted: bool = True) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(buckets, outputs, mode="sum" if weighted else "mean")
        self.bias = nn.Parameter(torch.zeros(outputs))
        nn.init.zeros_(self.bag.weight)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        return self.bag(ids, offsets, per_sample_weights=weights) + self.bias


def pack(id_lists: Sequence[Sequence[int]], weight_lists: Sequence[Sequence[float]] | None = None
         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """EmbeddingBag's flat ids, per-row offsets and (when given) flat per-id weights."""
    offsets = [0]
    for ids in id_lists[:-1]:
        offsets.append(offsets[-1] + len(ids))
    flat = [i for ids in id_lists for i in ids]
    weights = None
    if weight_lists is not None:
        weights = torch.tensor([w for row in weight_lists for w in row], dtype=torch.float32)
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long), weights


class NgramClassifier:
    """Inference (and saving) for a trained NgramNet with named output heads."""

    def __init__(self, net: NgramNet, heads: dict[str, list[str]], buckets: int, max_n: int = 3,
                 name: str = "minsheng-char-ngram", idf: torch.Tensor | None = None, scale: float = 1.0,
                 sublinear: bool = True) -> None:
        self.net = net.eval()
        self.heads = {h: list(v) for h, v in heads.items()}
        self.buckets = buckets
        self.max_n = max_n
        self.idf = idf  # None: the mean-pooled variant
        self._idf_values = idf.tolist() if idf is not None else None
        self.sublinear = sublinear  # term frequency as 1 + log(count), else the raw count
        # Margins x scale → softmax; the blend's cross-validation may change it (clear the cache).
        self.scale = scale
        self._name = name
        self._cache: dict[tuple[str, str], Prediction] = {}
        self._last: tuple[tuple[str, str], Prediction] | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def features(self, text: str) -> list[int]:
        return ngram_ids(text, self.buckets, self.max_n)

    def scores(self, texts: Sequence[str]) -> torch.Tensor:
        """Raw outputs (margins) per text, all heads side by side."""
        ids = [self.features(t) for t in texts]
        with torch.inference_mode():
            if self.idf is None:
                return self.net(*pack(ids))
            weighted = [tfidf(row, self._idf_values, self.sublinear) for row in ids]
            return self.net(*pack([u for u, _ in weighted], [w for _, w in weighted]))

    def clear_cache(self) -> None:
        with self._lock:
            self._cache, self._last = {}, None

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One Prediction per text, in order."""
        if not texts:
            return []
        logits = self.scores(texts) * self.scale
        results = []
        for row in logits:
            heads, start = {}, 0
            for head, values in self.heads.items():
                probs = torch.softmax(row[start:start + len(values)], dim=-1).tolist()
                heads[head] = {v: round(p, 6) for v, p in zip(values, probs)}
                start += len(values)
            results.append(Prediction(heads))
        return results

    def prefetch(self, posts: Sequence[tuple[str, str]]) -> None:
        """Predict (title, text) pairs now, so later predict_post calls hit the cache."""
        missing = [p for p in dict.fromkeys(posts) if p not in self._cache]
        predictions = self.predict([join_title(*p) for p in missing])
        with self._lock:
            # Only the current batch is kept: callers prefetch one batch, then tag it.
            self._cache = dict(zip(missing, predictions)) | {k: self._cache[k] for k in posts if k in self._cache}

    def predict_post(self, title: str, text: str) -> Prediction:
        """The prediction for one post; the category, complaint and appeal components all ask for it."""
        key = (title or "", text or "")
        with self._lock:
            hit = self._cache.get(key) or (self._last[1] if self._last and self._last[0] == key else None)
        if hit is not None:
            return hit
        prediction = self.predict([join_title(*key)])[0]
        with self._lock:
            self._last = (key, prediction)  # one post at a time: the same post's next component hits
        return prediction

    def save(self, directory: Path, mode: str, extra: dict | None = None) -> None:
        """config.json (kind, mode, heads, hashing) and the weights, in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        config = {"minsheng_kind": KIND, "minsheng_mode": mode, "minsheng_name": self._name,
                  "buckets": self.buckets, "max_n": self.max_n, "scale": self.scale,
                  "tf": "log" if self.sublinear else "raw", "heads": self.heads,
                  **(extra or {})}
        (directory / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        tensors = {k: v.contiguous() for k, v in self.net.state_dict().items()}
        if self.idf is not None:
            tensors["idf"] = self.idf.contiguous()
        save_file(tensors, str(directory / WEIGHTS))

    @classmethod
    def load(cls, directory: Path) -> NgramClassifier:
        """Load a saved classifier; one-line errors name the directory."""
        directory = Path(directory)
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            heads = {str(h): [str(v) for v in values] for h, values in config["heads"].items()}
            buckets, max_n = int(config["buckets"]), int(config.get("max_n", 3))
            scale = float(config.get("scale", 1.0))
            tf = config.get("tf", "log")  # checkpoints before "tf" was saved used log counts
            if tf not in ("log", "raw"):
                raise ValueError(f"unknown tf {tf!r}")
            tensors = load_file(str(directory / WEIGHTS))
            idf = tensors.pop("idf", None)
            net = NgramNet(buckets, sum(len(v) for v in heads.values()), weighted=idf is not None)
            net.load_state_dict(tensors)
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError, SafetensorError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"{directory}: cannot load the n-gram model ({first})") from None
        return cls(net, heads, buckets, max_n, str(config.get("minsheng_name") or "minsheng-char-ngram"), idf, scale,
                   sublinear=tf == "log")
