"""A character n-gram linear classifier: hashed 1–3-grams of title+text → per-head softmax.

A bag of hashed character n-grams feeds one ``nn.EmbeddingBag`` (mean-pooled) whose
"embedding" width is the number of outputs, so the whole model is a linear layer
over sparse counts (fastText without the hidden layer). Chinese needs no word
segmentation for this, short posts and long ones cost about the same, it trains in
seconds on CPU and it reads the whole post, where the small BERT reads 64 characters.

It answers the same ``predict_post`` / ``prefetch`` calls as
``nlp.model.TransformerClassifier`` and returns the same grouped-head ``Prediction``,
so nlp.blend's model and blend modes use either.
"""
from __future__ import annotations

import json
import threading
import unicodedata
import zlib
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
    ids = []
    for n in range(1, max_n + 1):
        for start in range(len(text) - n + 1):
            gram = text[start:start + n]
            if gram.strip():
                ids.append(zlib.crc32(f"{n}:{gram}".encode("utf-8")) % buckets)
    return ids or [0]


class NgramNet(nn.Module):
    """Mean of the n-grams' output rows plus a bias: a linear model over n-gram counts."""

    def __init__(self, buckets: int, outputs: int, sparse: bool = False) -> None:
        super().__init__()
        # sparse=True for training: each step touches only the batch's n-gram rows.
        self.bag = nn.EmbeddingBag(buckets, outputs, mode="mean", sparse=sparse)
        self.bias = nn.Parameter(torch.zeros(outputs))
        nn.init.zeros_(self.bag.weight)

    def forward(self, ids: torch.Tensor, offsets: torch.Tensor) -> torch.Tensor:
        return self.bag(ids, offsets) + self.bias


def pack(id_lists: Sequence[Sequence[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """EmbeddingBag's flat ids and per-row offsets."""
    offsets = [0]
    for ids in id_lists[:-1]:
        offsets.append(offsets[-1] + len(ids))
    flat = [i for ids in id_lists for i in ids]
    return torch.tensor(flat, dtype=torch.long), torch.tensor(offsets, dtype=torch.long)


class NgramClassifier:
    """Inference (and saving) for a trained NgramNet with named output heads."""

    def __init__(self, net: NgramNet, heads: dict[str, list[str]], buckets: int, max_n: int = 3,
                 name: str = "minsheng-char-ngram") -> None:
        self.net = net.eval()
        self.heads = {h: list(v) for h, v in heads.items()}
        self.buckets = buckets
        self.max_n = max_n
        self._name = name
        self._cache: dict[tuple[str, str], Prediction] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def features(self, text: str) -> list[int]:
        return ngram_ids(text, self.buckets, self.max_n)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One Prediction per text, in order."""
        if not texts:
            return []
        with torch.inference_mode():
            logits = self.net(*pack([self.features(t) for t in texts]))
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
        key = (title or "", text or "")
        with self._lock:
            hit = self._cache.get(key)
        return hit if hit is not None else self.predict([join_title(*key)])[0]

    def save(self, directory: Path, mode: str, extra: dict | None = None) -> None:
        """config.json (kind, mode, heads, hashing) and the weights, in ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        config = {"minsheng_kind": KIND, "minsheng_mode": mode, "minsheng_name": self._name,
                  "buckets": self.buckets, "max_n": self.max_n, "heads": self.heads, **(extra or {})}
        (directory / "config.json").write_text(json.dumps(config, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
        save_file({k: v.contiguous() for k, v in self.net.state_dict().items()}, str(directory / WEIGHTS))

    @classmethod
    def load(cls, directory: Path) -> NgramClassifier:
        """Load a saved classifier; one-line errors name the directory."""
        directory = Path(directory)
        try:
            config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
            heads = {str(h): [str(v) for v in values] for h, values in config["heads"].items()}
            buckets, max_n = int(config["buckets"]), int(config.get("max_n", 3))
            net = NgramNet(buckets, sum(len(v) for v in heads.values()))
            net.load_state_dict(load_file(str(directory / WEIGHTS)))
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, AttributeError, SafetensorError) as exc:
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise ModelError(f"{directory}: cannot load the n-gram model ({first})") from None
        return cls(net, heads, buckets, max_n, str(config.get("minsheng_name") or "minsheng-char-ngram"))
