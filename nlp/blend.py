"""The transformer classifier behind the tagger's seams, alone or blended with the lexicon.

``CategoryModel`` / ``ComplaintModel`` (nlp.category, nlp.appeal) are per-post; all
classes here share one ``TransformerClassifier`` whose ``predict_post`` caches, so the
category and complaint components cost one encoder pass per post (and
``TransformerClassifier.prefetch`` turns a batch of posts into batched passes).

The blend adds the lexicon's confidence to the model's probability of the lexicon's
choice: a confident model keeps its answer, a torn one is tipped by a keyword hit, and
an agreeing pair takes the lexicon's finer level2/level3 leaf. A decisive term (a
matter with one owner, such as glass on a road) settles the category before either.
"""
from __future__ import annotations

from nlp.appeal import Appeal, ComplaintModel
from nlp.category import CategoryModel
from nlp.model import Prediction, TransformerClassifier
from nlp.schema import AppealType, Category
from nlp.taxonomy import Taxonomy

MODES = ("lexicon", "model", "blend")
COMPLAINT_TYPES: tuple[AppealType, ...] = ("complaint", "help", "report")
# Weight of the lexicon's evidence against model probabilities, for checkpoints that do
# not record one; `minsheng train` picks it by cross-validation on the training labels.
LEXICON_WEIGHT = 1.0


def _appeal_type(prediction: Prediction, is_complaint: bool) -> AppealType:
    probs = prediction.heads.get("appeal")
    if not probs:
        return "complaint" if is_complaint else "none"
    best = max(probs, key=probs.__getitem__)
    if is_complaint and best == "none":
        return "complaint"
    if not is_complaint and best in COMPLAINT_TYPES:
        # A non-complaint is at most a suggestion or a question.
        others = {k: v for k, v in probs.items() if k not in COMPLAINT_TYPES}
        return max(others, key=others.__getitem__) if others else "none"
    return best  # type: ignore[return-value]


def _model_path(prediction: Prediction, level1: str, taxonomy: Taxonomy) -> tuple[str, str, str]:
    """level1 → its most probable level2 (if the model has that head) → catch-all leaf."""
    level2 = None
    probs = prediction.heads.get("level2", {})
    inside = {k.partition("/")[2]: p for k, p in probs.items() if k.partition("/")[0] == level1}
    if inside:
        level2 = max(inside, key=inside.__getitem__)
    return taxonomy.fallback(level1, level2)


class ModelCategoryModel:
    """The transformer's level1 (and level2) head; level3 is the tree's catch-all."""

    name = "bert"

    def __init__(self, classifier: TransformerClassifier, taxonomy: Taxonomy) -> None:
        self.classifier = classifier
        self.taxonomy = taxonomy

    def classify(self, title: str, text: str) -> Category:
        prediction = self.classifier.predict_post(title, text)
        best = prediction.best("level1")
        if best is None:
            raise ValueError(f"model {self.classifier.name} has no level1 head")
        l1, l2, l3 = _model_path(prediction, best[0], self.taxonomy)
        return Category(level1=l1, level2=l2, level3=l3, score=round(best[1], 4))


class BlendedCategoryModel:
    """Model probabilities plus ``weight`` x the lexicon's confidence for its level1."""

    name = "blend"

    def __init__(self, classifier: TransformerClassifier, lexicon: CategoryModel, taxonomy: Taxonomy,
                 weight: float = LEXICON_WEIGHT) -> None:
        self.classifier = classifier
        self.lexicon = lexicon
        self.taxonomy = taxonomy
        self.weight = weight

    def classify(self, title: str, text: str) -> Category:
        decisive = getattr(self.lexicon, "decisive", None)
        settled = decisive(title, text) if decisive is not None else None
        if settled is not None:
            return settled  # a term with one owner (nlp/data/decisive_terms.yaml)
        prediction = self.classifier.predict_post(title, text)
        lexical = self.lexicon.classify(title, text)
        scores = dict(prediction.heads.get("level1", {}))
        if lexical.score > 0:
            scores[lexical.level1] = scores.get(lexical.level1, 0.0) + self.weight * lexical.score
        level1 = max(scores, key=scores.__getitem__)
        score = round(min(1.0, scores[level1] / (1.0 + self.weight * lexical.score)), 4)
        if level1 == lexical.level1 and lexical.score > 0:
            return lexical.model_copy(update={"score": score})
        l1, l2, l3 = _model_path(prediction, level1, self.taxonomy)
        leaf_within = getattr(self.lexicon, "leaf_within", None)
        if l2 == self.taxonomy.fallback(level1)[1] and leaf_within is not None:
            l1, l2, l3 = leaf_within(title, text, level1)
        return Category(level1=l1, level2=l2, level3=l3, score=score)


class ModelComplaintModel:
    """The transformer's complaint head (and appeal head when present)."""

    name = "bert"

    def __init__(self, classifier: TransformerClassifier, threshold: float = 0.5) -> None:
        self.classifier = classifier
        self.threshold = threshold

    def assess(self, title: str, text: str) -> Appeal:
        prediction = self.classifier.predict_post(title, text)
        prob = prediction.complaint_prob
        if prob is None:
            raise ValueError(f"model {self.classifier.name} has no complaint head")
        is_complaint = prob >= self.threshold
        return Appeal(is_complaint, round(prob, 4), _appeal_type(prediction, is_complaint))


class BlendedComplaintModel:
    """A weighted mean of the model's and the lexicon's complaint probabilities."""

    name = "blend"

    def __init__(self, classifier: TransformerClassifier, lexicon: ComplaintModel,
                 threshold: float = 0.5, lexicon_share: float = 0.25) -> None:
        self.model = ModelComplaintModel(classifier, threshold)
        self.lexicon = lexicon
        self.threshold = threshold
        self.lexicon_share = lexicon_share

    def assess(self, title: str, text: str) -> Appeal:
        from_model = self.model.assess(title, text)
        from_lexicon = self.lexicon.assess(title, text)
        score = (1 - self.lexicon_share) * from_model.score + self.lexicon_share * from_lexicon.score
        if from_lexicon.hazard:
            score = max(score, from_lexicon.score)  # a reported danger is a complaint
        is_complaint = score >= self.threshold
        prediction = self.model.classifier.predict_post(title, text)
        return Appeal(is_complaint, round(score, 4), _appeal_type(prediction, is_complaint))


def build_models(mode: str, classifier: TransformerClassifier | None, taxonomy: Taxonomy,
                 lexicon_category: CategoryModel, lexicon_complaint: ComplaintModel,
                 threshold: float = 0.5, lexicon_weight: float = LEXICON_WEIGHT
                 ) -> tuple[CategoryModel, ComplaintModel]:
    """The (category, complaint) models for a mode of MODES; no classifier → lexicon."""
    if mode not in MODES:
        raise ValueError(f"unknown classifier mode {mode!r} (known: {', '.join(MODES)})")
    if mode == "lexicon" or classifier is None:
        return lexicon_category, lexicon_complaint
    if mode == "model":
        return ModelCategoryModel(classifier, taxonomy), ModelComplaintModel(classifier, threshold)
    return (BlendedCategoryModel(classifier, lexicon_category, taxonomy, lexicon_weight),
            BlendedComplaintModel(classifier, lexicon_complaint, threshold))
