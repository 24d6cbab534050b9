"""Dev-set scores of the lexicon, the model and their blend, through the tagger's seams.

Scoring goes through the same ``CategoryModel`` / ``ComplaintModel`` objects the tagger
runs, so the numbers in metrics.json are what a deployment gets.
"""
from __future__ import annotations

from collections.abc import Sequence

from nlp.appeal import ComplaintModel
from nlp.blend import LEXICON_WEIGHT, MODES, build_models
from nlp.category import CategoryModel
from nlp.evaluate import accuracy, macro_f1, per_class, precision_recall_f1
from nlp.model import TransformerClassifier
from nlp.taxonomy import Taxonomy
from nlp.training.corpus import Example


def score_models(dev: Sequence[Example], category: CategoryModel, complaint: ComplaintModel) -> dict:
    """level1 macro-F1/accuracy, complaint P/R/F1, level2/level3/appeal accuracy on ``dev``."""
    cats = [category.classify(e.title, e.body) for e in dev]
    appeals = [complaint.assess(e.title, e.body) for e in dev]
    gold1 = [str(e.labels["level1"]) for e in dev]
    pred1 = [c.level1 for c in cats]
    p, r, f = precision_recall_f1([bool(e.labels["is_complaint"]) for e in dev],
                                  [a.is_complaint for a in appeals], True)
    return {
        "level1_macro_f1": round(macro_f1(gold1, pred1), 4),
        "level1_accuracy": round(accuracy(gold1, pred1), 4),
        "level1_per_class_f1": {str(k): round(v.f1, 3) for k, v in per_class(gold1, pred1).items()},
        "level2_accuracy": round(accuracy([(e.labels["level1"], e.labels["level2"]) for e in dev],
                                          [(c.level1, c.level2) for c in cats]), 4),
        "level3_accuracy": round(accuracy([(e.labels["level1"], e.labels["level2"], e.labels["level3"])
                                           for e in dev], [(c.level1, c.level2, c.level3) for c in cats]), 4),
        "complaint_precision": round(p, 4), "complaint_recall": round(r, 4), "complaint_f1": round(f, 4),
        "appeal_accuracy": round(accuracy([str(e.labels["appeal_type"]) for e in dev],
                                          [a.type for a in appeals]), 4),
    }


def compare_modes(dev: Sequence[Example], classifier: TransformerClassifier | None, taxonomy: Taxonomy,
                  lexicon_category: CategoryModel, lexicon_complaint: ComplaintModel,
                  lexicon_weight: float = LEXICON_WEIGHT) -> dict[str, dict]:
    """{mode: scores} for every mode of nlp.blend.MODES (only 'lexicon' without a model)."""
    if classifier is not None:
        classifier.prefetch([(e.title, e.body) for e in dev])
    results = {}
    for mode in MODES if classifier is not None else ("lexicon",):
        category, complaint = build_models(mode, classifier, taxonomy, lexicon_category, lexicon_complaint,
                                           lexicon_weight=lexicon_weight)
        results[mode] = score_models(dev, category, complaint)
    return results


def best_mode(results: dict[str, dict]) -> str:
    """The mode to ship: first-level macro-F1 plus complaint F1, the issue's two targets,
    plus level-2 accuracy, since a mode that cannot name the second level cannot route
    (the n-gram model alone has no level-2 head). Ties go to the simpler mode (MODES order)."""
    return max(results, key=lambda m: results[m]["level1_macro_f1"] + results[m]["complaint_f1"]
               + results[m]["level2_accuracy"])


def complaint_scores(examples: Sequence[Example], classifier: TransformerClassifier | None, taxonomy: Taxonomy,
                     lexicon_category: CategoryModel, lexicon_complaint: ComplaintModel,
                     lexicon_weight: float = LEXICON_WEIGHT) -> dict[str, dict]:
    """{mode: complaint precision/recall/F1 and accuracy, and level1 accuracy where labelled}.

    Used on the held-out part of the team's own short posts, where what matters is
    that "哈哈，太美了" is not a case and "路灯坏了一个月" is, in the right category.
    """
    if not examples:
        return {}
    if classifier is not None:
        classifier.prefetch([(e.title, e.body) for e in examples])
    gold = [bool(e.labels["is_complaint"]) for e in examples]
    with_category = [e for e in examples if e.labels.get("level1") is not None]
    results = {}
    for mode in MODES if classifier is not None else ("lexicon",):
        category, complaint = build_models(mode, classifier, taxonomy, lexicon_category, lexicon_complaint,
                                           lexicon_weight=lexicon_weight)
        predicted = [complaint.assess(e.title, e.body).is_complaint for e in examples]
        p, r, f = precision_recall_f1(gold, predicted, True)
        results[mode] = {"complaint_precision": round(p, 4), "complaint_recall": round(r, 4),
                         "complaint_f1": round(f, 4), "accuracy": round(accuracy(gold, predicted), 4)}
        if with_category:
            results[mode]["level1_accuracy"] = round(accuracy(
                [str(e.labels["level1"]) for e in with_category],
                [category.classify(e.title, e.body).level1 for e in with_category]), 4)
    return results
