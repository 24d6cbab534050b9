"""TransformerClassifier loading and prediction, and the model/lexicon blend."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification

from nlp.appeal import Appeal
from nlp.blend import BlendedCategoryModel, BlendedComplaintModel, ModelCategoryModel, build_models
from nlp.model import ModelError, Prediction, TransformerClassifier, head_layout, head_labels, join_title
from nlp.schema import Category
from nlp.taxonomy import Taxonomy
from nlp.training.vocab import build_vocab, save_tokenizer

TEXTS = ["小区噪音扰民，晚上施工", "学校收费不合理", "道路坑洼积水严重", "咨询公积金提取"]


def _save_tiny(directory: Path, labels: list[str]) -> Path:
    save_tokenizer(build_vocab(TEXTS, min_freq=1), directory, max_length=32)
    config = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=len(labels),
                        id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
    torch.manual_seed(0)
    BertForSequenceClassification(config).save_pretrained(str(directory))
    return directory


@pytest.fixture
def tiny_checkpoint(tmp_path: Path) -> Path:
    heads = {"level1": ["城乡建设", "教育文体", "交通运输"], "complaint": ["no", "yes"]}
    return _save_tiny(tmp_path / "tiny", head_labels(heads))


def test_head_layout_groups_prefixed_labels_and_defaults_to_level1() -> None:
    layout = head_layout({0: "level1:甲", 1: "level1:乙", 2: "complaint:no", 3: "complaint:yes"})
    assert layout == {"level1": [(0, "甲"), (1, "乙")], "complaint": [(2, "no"), (3, "yes")]}
    assert head_layout({0: "城乡建设", 1: "教育文体"}) == {"level1": [(0, "城乡建设"), (1, "教育文体")]}


def test_loads_local_checkpoint_and_predicts_per_head(tiny_checkpoint: Path) -> None:
    classifier = TransformerClassifier.from_pretrained(tiny_checkpoint, batch_size=2, threads=1)
    predictions = classifier.predict(TEXTS)
    assert len(predictions) == len(TEXTS)
    for prediction in predictions:
        assert set(prediction.heads) == {"level1", "complaint"}
        assert sum(prediction.heads["level1"].values()) == pytest.approx(1.0, abs=1e-4)
        assert prediction.level1 in {"城乡建设", "教育文体", "交通运输"}
        assert 0.0 <= prediction.complaint_prob <= 1.0
    assert classifier.predict([]) == []


def test_batching_and_padding_do_not_change_answers(tiny_checkpoint: Path) -> None:
    classifier = TransformerClassifier.from_pretrained(tiny_checkpoint, batch_size=3, threads=1)
    together = classifier.predict(TEXTS)
    alone = [classifier.predict([text])[0] for text in TEXTS]
    for a, b in zip(together, alone):
        for head in a.heads:
            for value in a.heads[head]:
                assert a.heads[head][value] == pytest.approx(b.heads[head][value], abs=1e-4)


def test_plain_level1_checkpoint_loads_with_same_code(tmp_path: Path) -> None:
    directory = _save_tiny(tmp_path / "plain", ["城乡建设", "教育文体"])
    classifier = TransformerClassifier.from_pretrained(directory, threads=1)
    prediction = classifier.predict(["小区噪音"])[0]
    assert set(prediction.heads) == {"level1"}
    assert prediction.complaint_prob is None


def test_bad_directory_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no config.json"):
        TransformerClassifier.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot load"):
        TransformerClassifier.from_pretrained(tmp_path)


def test_prefetch_fills_the_per_post_cache(tiny_checkpoint: Path) -> None:
    classifier = TransformerClassifier.from_pretrained(tiny_checkpoint, threads=1)
    classifier.prefetch([("标题", "正文内容")])
    cached = classifier.predict_post("标题", "正文内容")
    assert cached is classifier.predict_post("标题", "正文内容")
    assert cached.heads == classifier.predict([join_title("标题", "正文内容")])[0].heads


# -- the blend, with fixed model probabilities --------------------------------------
class FixedClassifier:
    name = "fixed"

    def __init__(self, prediction: Prediction) -> None:
        self.prediction = prediction

    def predict_post(self, title: str, text: str) -> Prediction:
        return self.prediction


class FixedLexicon:
    name = "lexicon"

    def __init__(self, category: Category) -> None:
        self.category = category

    def classify(self, title: str, text: str) -> Category:
        return self.category


def _prediction(level1: dict[str, float], complaint: float = 0.9) -> Prediction:
    return Prediction({"level1": level1, "complaint": {"no": 1 - complaint, "yes": complaint}})


LEXICON_SAYS = Category(level1="交通运输", level2="建设管理", level3="设施维护", score=0.6)


def test_blend_keeps_a_confident_model_and_lets_the_lexicon_tip_a_torn_one() -> None:
    taxonomy = Taxonomy.load()
    confident = FixedClassifier(_prediction({"城乡建设": 0.95, "交通运输": 0.03, "教育文体": 0.02}))
    category = BlendedCategoryModel(confident, FixedLexicon(LEXICON_SAYS), taxonomy).classify("t", "x")
    assert category.level1 == "城乡建设"
    assert (category.level1, category.level2, category.level3) in taxonomy
    torn = FixedClassifier(_prediction({"城乡建设": 0.45, "交通运输": 0.40, "教育文体": 0.15}))
    category = BlendedCategoryModel(torn, FixedLexicon(LEXICON_SAYS), taxonomy).classify("t", "x")
    # Agreeing with the lexicon's level1 brings its finer leaf along.
    assert (category.level1, category.level2, category.level3) == ("交通运输", "建设管理", "设施维护")


def test_model_category_path_is_in_the_tree() -> None:
    taxonomy = Taxonomy.load()
    model = ModelCategoryModel(FixedClassifier(_prediction({"教育文体": 0.8, "城乡建设": 0.2})), taxonomy)
    category = model.classify("t", "x")
    assert category.level1 == "教育文体" and category.score == pytest.approx(0.8)
    assert (category.level1, category.level2, category.level3) in taxonomy


class FixedComplaint:
    name = "lexicon"

    def __init__(self, score: float) -> None:
        self.score = score

    def assess(self, title: str, text: str) -> Appeal:
        return Appeal(self.score >= 0.5, self.score, "complaint" if self.score >= 0.5 else "none")


def test_blended_complaint_weighs_both_and_modes_are_checked() -> None:
    classifier = FixedClassifier(_prediction({"城乡建设": 1.0}, complaint=0.6))
    appeal = BlendedComplaintModel(classifier, FixedComplaint(0.0), lexicon_share=0.25).assess("t", "x")
    assert appeal.score == pytest.approx(0.45) and not appeal.is_complaint
    assert appeal.type == "none"
    with pytest.raises(ValueError, match="unknown classifier mode"):
        build_models("magic", None, Taxonomy.load(), FixedLexicon(LEXICON_SAYS), FixedComplaint(0.1))
    lexicon = FixedLexicon(LEXICON_SAYS)
    assert build_models("blend", None, Taxonomy.load(), lexicon, FixedComplaint(0.1))[0] is lexicon
