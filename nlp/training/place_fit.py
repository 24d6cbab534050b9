"""``minsheng train --kind places``: the place-evaluation sets → the learned place-name tagger.

Trains nlp.span_model on the sets in nlp/data/eval that ``nlp.place_sets`` marks for
training (posts the team wrote about 17 cities, each with its gazetteer; every span
written there is a place name, inside the gazetteer or not). The sets marked as
holdouts are never read here, so `minsheng bench --only places` can say how the
tagger does on cities it has not seen. Each city's posts are segmented with that
city's gazetteer, as the tagger segments them in use.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.gazetteer import Gazetteer, segmenter_words
from nlp.place_sets import EVAL_DIR, PlaceSet, training_sets
from nlp.segmenter import Segmenter
from nlp.span_model import BUCKETS_BITS, START, Featurizer, SpanModel, gold_tags, viterbi
from nlp.tagger import SHIPPED_PLACE_MODEL



@dataclass
class Example:
    rows: np.ndarray  # hashed feature rows, (templates, characters)
    tags: list[int]


def examples_for(place_set: PlaceSet, cache_dir: Path | None, eval_dir: Path = EVAL_DIR) -> list[Example]:
    """One city's posts, segmented with its own gazetteer's names, with their gold tags."""
    segmenter = Segmenter(segmenter_words(Gazetteer.from_csv(eval_dir / f"{place_set.stem}_gazetteer.csv")),
                          cache_dir=cache_dir)
    segmenter.initialize()
    featurizer = Featurizer(segmenter.frequency)
    out: list[Example] = []
    lines = (eval_dir / f"{place_set.stem}_places.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        text, spans = row.get("text", ""), row.get("spans") or []
        if not isinstance(text, str) or not text:
            raise ValueError(f"{place_set.stem}_places.jsonl:{number}: text must be a non-empty string")
        out.append(Example(featurizer.rows(text, segmenter.analyze(text)), gold_tags(text, spans)))
    return out


def fit(examples: Sequence[Example], epochs: int = 8, seed: int = 0) -> SpanModel:
    """Averaged structured perceptron: on each wrong sequence, move weights toward the gold tags."""
    weights, transitions = np.zeros((1 << BUCKETS_BITS, 3)), np.zeros((4, 3))
    # Averaging by the usual trick: keep step-weighted sums and subtract them at the end.
    weight_sums, transition_sums = np.zeros_like(weights), np.zeros_like(transitions)
    order, step = list(range(len(examples))), 1
    rng = random.Random(seed)
    for _ in range(epochs):
        rng.shuffle(order)
        for k in order:
            rows, gold = examples[k].rows, examples[k].tags
            if not gold:
                continue
            guess = viterbi(weights[rows].sum(axis=0), transitions)
            if guess != gold:
                want, got = np.array(gold), np.array(guess)
                wrong = np.flatnonzero(want != got)
                features = rows[:, wrong]
                for tags, sign in ((want[wrong], 1.0), (got[wrong], -1.0)):
                    labels = np.tile(tags, features.shape[0])
                    np.add.at(weights, (features.ravel(), labels), sign)
                    np.add.at(weight_sums, (features.ravel(), labels), sign * step)
                for i, (a, b) in enumerate(zip(gold, guess)):
                    before_a, before_b = (gold[i - 1], guess[i - 1]) if i else (START, START)
                    if (before_a, a) != (before_b, b):
                        transitions[before_a, a] += 1
                        transitions[before_b, b] -= 1
                        transition_sums[before_a, a] += step
                        transition_sums[before_b, b] -= step
            step += 1
    return SpanModel(weights - weight_sums / step, transitions - transition_sums / step)


def train_places(output: Path = SHIPPED_PLACE_MODEL, sets: Sequence[PlaceSet] | None = None, cache_dir: Path | None = None,
                 epochs: int = 8, eval_dir: Path = EVAL_DIR) -> dict[str, Any]:
    """Fit on the training sets, write the model and its metrics.json beside it."""
    chosen = list(sets) if sets is not None else training_sets()
    if not chosen:
        raise ValueError("no place sets to train on")
    began = time.perf_counter()
    examples = [example for place_set in chosen for example in examples_for(place_set, cache_dir, eval_dir)]
    model = fit(examples, epochs=epochs)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    model.save(partial)
    partial.replace(output)  # a failed run keeps the model in use
    metrics = {"kind": "places", "sets": [s.stem for s in chosen], "posts": len(examples),
               "weights": int(np.count_nonzero(np.abs(model.weights).sum(axis=1))), "epochs": epochs,
               "seconds": round(time.perf_counter() - began, 1)}
    output.with_name("metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"metrics": metrics, "output": str(output)}
