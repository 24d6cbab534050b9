"""``minsheng train --kind places``: the place-evaluation sets → the learned place-name tagger.

Trains nlp.span_model on the sets in nlp/data/eval that ``nlp.place_sets`` marks for
training (posts the team wrote about 23 cities, each with its gazetteer; every span
written there is a place name, inside the gazetteer or not), each post also in two
copies with other cities' names swapped in (nlp.training.place_swap). The sets marked as
holdouts are never read here, so `minsheng bench --only places` can say how the
tagger does on cities it has not seen. Each city's posts are segmented with that
city's gazetteer, as the tagger segments them in use.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.gazetteer import Gazetteer, segmenter_words
from nlp.place_sets import EVAL_DIR, PlaceSet, training_sets
from nlp.segmenter import Segmenter
from nlp.span_model import BUCKETS_BITS, START, Featurizer, SpanModel, gold_tags, viterbi
from nlp.tagger import SHIPPED_PLACE_MODEL
from nlp.training.place_swap import NamePool, swap_mentions



@dataclass
class Swaps:
    """How many swapped copies of each post to train on (nlp.training.place_swap)."""

    pool: NamePool
    copies: int = 2
    rate: float = 0.7  # the chance that each mention of a copy is swapped
    rng: random.Random = field(default_factory=lambda: random.Random(3))


@dataclass
class Example:
    rows: np.ndarray  # hashed feature rows, (templates, characters)
    tags: list[int]
    swapped: bool = False  # a copy with other names swapped in


def read_posts(place_set: PlaceSet, eval_dir: Path = EVAL_DIR) -> list[dict]:
    """A set's posts; a line without text is named by file and line."""
    rows = []
    lines = (eval_dir / f"{place_set.stem}_places.jsonl").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if not isinstance(row.get("text"), str) or not row["text"]:
            raise ValueError(f"{place_set.stem}_places.jsonl:{number}: text must be a non-empty string")
        rows.append(row)
    return rows


def name_pool(place_sets: Sequence[PlaceSet], eval_dir: Path = EVAL_DIR) -> NamePool:
    """Every mention written in the given sets, for swapping into other cities' posts."""
    pool = NamePool()
    for place_set in place_sets:
        for row in read_posts(place_set, eval_dir):
            pool.add(row.get("spans") or [], row.get("types"))
    return pool


def examples_for(place_set: PlaceSet, cache_dir: Path | None, eval_dir: Path = EVAL_DIR,
                 swaps: Swaps | None = None) -> list[Example]:
    """One city's posts, segmented with its own gazetteer's names, with their gold tags,
    each followed by ``swaps.copies`` copies with other names swapped in."""
    segmenter = Segmenter(segmenter_words(Gazetteer.from_csv(eval_dir / f"{place_set.stem}_gazetteer.csv")),
                          cache_dir=cache_dir)
    segmenter.initialize()
    featurizer = Featurizer(segmenter.frequency)
    out: list[Example] = []
    for row in read_posts(place_set, eval_dir):
        posts = [(row["text"], row.get("spans") or [])]
        for _ in range(swaps.copies if swaps else 0):
            swapped = swap_mentions(*posts[0], swaps.pool, swaps.rng, swaps.rate, row.get("types"))
            if swapped is not None:
                posts.append(swapped)
        out += [Example(featurizer.rows(text, segmenter.analyze(text)), gold_tags(text, spans), swapped=k > 0)
                for k, (text, spans) in enumerate(posts)]
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
                 epochs: int = 8, eval_dir: Path = EVAL_DIR, copies: int = 2) -> dict[str, Any]:
    """Fit on the training sets, write the model and its metrics.json beside it.

    ``copies``: swapped copies of each post (nlp.training.place_swap); the names swapped
    in come from the chosen sets only, so a holdout's names never reach the model.
    """
    chosen = list(sets) if sets is not None else training_sets()
    if not chosen:
        raise ValueError("no place sets to train on")
    began = time.perf_counter()
    swaps = Swaps(name_pool(chosen, eval_dir), copies) if copies else None
    examples = [example for place_set in chosen for example in examples_for(place_set, cache_dir, eval_dir, swaps)]
    model = fit(examples, epochs=epochs)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    model.save(partial)
    partial.replace(output)  # a failed run keeps the model in use
    metrics = {"kind": "places", "sets": [s.stem for s in chosen],
               "posts": sum(not example.swapped for example in examples), "examples": len(examples),
               "weights": int(np.count_nonzero(np.abs(model.weights).sum(axis=1))), "epochs": epochs,
               "swapped_copies": copies,
               "seconds": round(time.perf_counter() - began, 1)}
    output.with_name("metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"metrics": metrics, "output": str(output)}
