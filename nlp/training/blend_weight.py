"""Choosing the blend's lexicon weight (and the n-gram margins' softmax scale) by
cross-validation on the training labels.

The dev set only reports; it never picks. Each fold holds out whole topic groups,
so a near-duplicate of a held-out message is never in the fold's training part.
"""
from __future__ import annotations

import random
import statistics
from collections.abc import Callable, Sequence

from nlp.blend import LEXICON_WEIGHT, BlendedCategoryModel
from nlp.category import CategoryModel
from nlp.evaluate import macro_f1
from nlp.model import TransformerClassifier
from nlp.taxonomy import Taxonomy
from nlp.training.corpus import Example
from nlp.training.topics import Doc, topic_groups

CANDIDATES = (0.25, 0.5, 1.0, 2.0)
# Softmax scales tried for classifiers whose outputs are margins (the n-gram SVM).
SCALES = (2.0, 4.0, 8.0)

Fit = Callable[[Sequence[Example]], TransformerClassifier]


def topic_folds(examples: Sequence[Example], folds: int, seed: int = 7) -> list[list[int]]:
    """Example indices per fold; a topic group never spans two folds."""
    groups = topic_groups([Doc(e.key, e.text, "", e.title) for e in examples])
    order = sorted(set(groups))
    random.Random(seed).shuffle(order)
    fold_of = {group: i % folds for i, group in enumerate(order)}
    return [[i for i, g in enumerate(groups) if fold_of[g] == fold] for fold in range(folds)]


def weight_curve(classifier: TransformerClassifier, lexicon: CategoryModel, taxonomy: Taxonomy,
                 held_out: Sequence[Example], candidates: Sequence[float] = CANDIDATES) -> dict[float, float]:
    """level1 macro-F1 of the blend on ``held_out`` for each lexicon weight."""
    classifier.prefetch([(e.title, e.body) for e in held_out])
    gold = [str(e.labels["level1"]) for e in held_out]
    return {weight: macro_f1(gold, [BlendedCategoryModel(classifier, lexicon, taxonomy, weight)
                                    .classify(e.title, e.body).level1 for e in held_out])
            for weight in candidates}


def pick_lexicon_weight(train: Sequence[Example], fit: Fit, lexicon: CategoryModel, taxonomy: Taxonomy,
                        folds: int = 3, candidates: Sequence[float] = CANDIDATES,
                        on_fold: Callable[[int, int], None] | None = None, scales: Sequence[float] = ()
                        ) -> tuple[float, float | None, dict[str, float]]:
    """(best weight, best scale, {"weight" or "scale/weight": mean macro-F1 over folds}).

    ``scales`` are tried when the classifier has a ``scale`` (margins → softmax);
    ties go to the first candidate.
    """
    labelled = [e for e in train if e.labels.get("level1") is not None]
    extra = [e for e in train if e.labels.get("level1") is None]  # e.g. written posts: always trained on
    grid = [(scale, weight) for scale in (scales or (None,)) for weight in candidates]
    curves: dict[tuple[float | None, float], list[float]] = {point: [] for point in grid}
    for number, held in enumerate(topic_folds(labelled, folds)):
        if not held or len(held) == len(labelled):
            continue
        held_set = set(held)
        classifier = fit([e for i, e in enumerate(labelled) if i not in held_set] + extra)
        for scale in scales or (None,):
            if scale is not None:
                classifier.scale = scale
                classifier.clear_cache()
            for weight, score in weight_curve(classifier, lexicon, taxonomy, [labelled[i] for i in held],
                                              candidates).items():
                curves[(scale, weight)].append(score)
        if on_fold:
            on_fold(number + 1, folds)
    means = {point: statistics.fmean(scores) for point, scores in curves.items() if scores}
    if not means:
        return LEXICON_WEIGHT, None, {}
    best = max(means, key=means.__getitem__)
    names = {point: str(point[1]) if point[0] is None else f"{point[0]:g}/{point[1]}" for point in means}
    return best[1], best[0], {names[point]: round(score, 4) for point, score in means.items()}
