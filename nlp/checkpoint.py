"""Trained checkpoints on disk: which mode they ask for, and loading the right classifier.

A checkpoint directory holds a ``config.json`` whose ``minsheng_mode`` (one of
``nlp.blend.MODES``) says how the tagger should use it, as chosen on the dev set at
training time, and whose ``minsheng_kind`` says what it is: ``"ngram"`` for the
character n-gram linear classifier (nlp.ngram), anything else a Hugging Face
sequence classifier (nlp.model).
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from nlp.blend import LEXICON_WEIGHT, MODES
from nlp.model import ModelError, Prediction

NGRAM_KIND = "ngram"


class Prefetching(Protocol):
    """What the blend models and the tagger need from a trained classifier."""

    @property
    def name(self) -> str: ...

    def predict_post(self, title: str, text: str) -> Prediction: ...

    def prefetch(self, posts: Sequence[tuple[str, str]]) -> None: ...


def read_config(path: Path) -> dict:
    """The checkpoint's config.json; one-line errors name the directory."""
    config_file = Path(path) / "config.json"
    try:
        data = json.loads(config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: not a model directory (no config.json)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{config_file}: unreadable config ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{config_file}: expected a JSON object")
    return data


def checkpoint_mode(path: Path) -> str:
    """The ``minsheng_mode`` recorded at training time (``blend`` when a checkpoint has none)."""
    mode = read_config(path).get("minsheng_mode", "blend")
    if mode not in MODES:
        raise ModelError(f"{path}/config.json: unknown minsheng_mode {mode!r} (known: {', '.join(MODES)})")
    return str(mode)


def checkpoint_lexicon_weight(path: Path) -> float:
    """The blend's lexicon weight chosen at training time (nlp.blend.LEXICON_WEIGHT if none)."""
    weight = read_config(path).get("minsheng_lexicon_weight", LEXICON_WEIGHT)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
        raise ModelError(f"{path}/config.json: minsheng_lexicon_weight must be a number ≥ 0, not {weight!r}")
    return float(weight)


def checkpoint_kind(path: Path) -> str:
    """``ngram`` or ``bert`` (any Hugging Face sequence classifier)."""
    return NGRAM_KIND if read_config(path).get("minsheng_kind") == NGRAM_KIND else "bert"


def load_classifier(path: Path, threads: int = 1) -> Prefetching:
    """The checkpoint's classifier, of whichever kind its config names."""
    if checkpoint_kind(path) == NGRAM_KIND:
        from nlp.ngram import NgramClassifier

        return NgramClassifier.load(path)
    from nlp.model import TransformerClassifier

    return TransformerClassifier.from_pretrained(path, threads=threads)
