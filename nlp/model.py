"""The transformer classifier: a local Hugging Face checkpoint with grouped output heads.

One ``*ForSequenceClassification`` checkpoint carries every head in a single output
layer; ``config.id2label`` names each output ``head:value`` (``level1:城乡建设``,
``complaint:yes``, ``level2:城乡建设/城乡规划``, ``appeal:consultation``) and each head
is a softmax over its own slice. One encoder pass answers all heads, which is what
keeps the tagger fast. A checkpoint whose labels carry no ``head:`` prefix (a plain
fine-tuned level-1 classifier) is read as a single ``level1`` head, so the same loading
code serves the project's own small BERT and, say, a fine-tuned bert-base-chinese.
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

HEAD_SEPARATOR = ":"
DEFAULT_HEAD = "level1"
COMPLAINT_YES = "yes"
CACHE_SIZE = 512


class ModelError(ValueError):
    """A checkpoint problem, worded as one line naming the directory."""


def join_title(title: str, text: str) -> str:
    """Title and body as one string; the title goes first because it names the issue."""
    title, text = (title or "").strip(), (text or "").strip()
    if title and text.startswith(title):
        return text
    return f"{title}。{text}" if title and text else title or text


def head_layout(id2label: dict[int, str]) -> dict[str, list[tuple[int, str]]]:
    """{head: [(output index, value)]} from a config's id2label."""
    heads: dict[str, list[tuple[int, str]]] = {}
    for index in sorted(int(i) for i in id2label):
        label = str(id2label[index])
        head, sep, value = label.partition(HEAD_SEPARATOR)
        if not sep:
            head, value = DEFAULT_HEAD, label
        heads.setdefault(head, []).append((index, value))
    return heads


def head_labels(heads: dict[str, Sequence[str]]) -> list[str]:
    """The id2label list for a model with these heads (the inverse of head_layout)."""
    return [f"{head}{HEAD_SEPARATOR}{value}" for head, values in heads.items() for value in values]


@dataclass(frozen=True, slots=True)
class Prediction:
    """Per head, each value's probability (summing to 1 within a head)."""

    heads: dict[str, dict[str, float]]

    def best(self, head: str) -> tuple[str, float] | None:
        probs = self.heads.get(head)
        if not probs:
            return None
        value = max(probs, key=probs.__getitem__)
        return value, probs[value]

    @property
    def level1(self) -> str | None:
        best = self.best("level1")
        return best[0] if best else None

    @property
    def level1_score(self) -> float:
        best = self.best("level1")
        return best[1] if best else 0.0

    @property
    def complaint_prob(self) -> float | None:
        probs = self.heads.get("complaint")
        return probs.get(COMPLAINT_YES, 0.0) if probs else None


class TransformerClassifier:
    """Batched CPU inference over a grouped-head sequence classifier."""

    def __init__(self, tokenizer: object, model: torch.nn.Module, max_length: int = 128,
                 batch_size: int = 32, threads: int | None = None) -> None:
        self.tokenizer = tokenizer
        self.model = model.eval()
        self.max_length = max_length
        self.batch_size = batch_size
        self.threads = threads
        self.heads = head_layout(model.config.id2label)
        self._cache: OrderedDict[tuple[str, str], Prediction] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_pretrained(cls, path: Path, max_length: int | None = None, batch_size: int = 32,
                        threads: int | None = None) -> TransformerClassifier:
        """Load tokenizer and model from a local directory; nothing is downloaded.

        ``max_length`` defaults to the ``minsheng_max_length`` the trainer wrote into
        config.json, else 128 (longer inputs cost time, and titles plus the first
        sentences carry the category). ``threads`` defaults to min(2, cores).
        """
        path = Path(path)
        if not (path / "config.json").is_file():
            raise ModelError(f"{path}: not a model directory (no config.json)")
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(f"{path}: cannot load the checkpoint ({first})") from None
        length = max_length or int(getattr(model.config, "minsheng_max_length", 0) or 128)
        length = min(length, int(getattr(model.config, "max_position_embeddings", length)))
        return cls(tokenizer, model, length, batch_size, threads)

    @property
    def name(self) -> str:
        return str(getattr(self.model.config, "minsheng_name", "") or self.model.config.model_type)

    def _set_threads(self) -> None:
        # Threads are per process in torch; more than the cores we were given only thrash.
        wanted = self.threads or min(2, os.cpu_count() or 1)
        if torch.get_num_threads() != wanted:
            torch.set_num_threads(wanted)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """One Prediction per text, in order."""
        if not texts:
            return []
        self._set_threads()
        # Sort by length so each batch pads to similar lengths; restore order at the end.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[Prediction | None] = [None] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chunk = order[start:start + self.batch_size]
                batch = self.tokenizer([texts[i] or " " for i in chunk], truncation=True,
                                       max_length=self.max_length, padding=True, return_tensors="pt")
                batch.pop("token_type_ids", None)
                logits = self.model(**batch).logits
                for row, index in enumerate(chunk):
                    results[index] = self._decode(logits[row])
        return [r for r in results if r is not None]

    def _decode(self, logits: torch.Tensor) -> Prediction:
        heads: dict[str, dict[str, float]] = {}
        for head, outputs in self.heads.items():
            probs = torch.softmax(logits[[i for i, _ in outputs]], dim=-1).tolist()
            heads[head] = {value: round(p, 6) for (_, value), p in zip(outputs, probs)}
        return Prediction(heads)

    # -- per-post access for the tagger's one-post-at-a-time components --------------
    def prefetch(self, posts: Sequence[tuple[str, str]]) -> None:
        """Predict (title, text) pairs in batches now, so later predict_post calls hit."""
        missing = [p for p in dict.fromkeys(posts) if p not in self._cache]
        for post, prediction in zip(missing, self.predict([join_title(*p) for p in missing])):
            self._remember(post, prediction)

    def predict_post(self, title: str, text: str) -> Prediction:
        """The prediction for one post, shared by the category and complaint components."""
        key = (title or "", text or "")
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        prediction = self.predict([join_title(*key)])[0]
        self._remember(key, prediction)
        return prediction

    def _remember(self, key: tuple[str, str], prediction: Prediction) -> None:
        with self._lock:
            self._cache[key] = prediction
            self._cache.move_to_end(key)
            while len(self._cache) > max(CACHE_SIZE, self.batch_size * 4):
                self._cache.popitem(last=False)
