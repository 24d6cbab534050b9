"""The character n-gram classifier: features, training, saving/loading, and in the tagger."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.checkpoint import ModelError, load_classifier
from nlp.config import NlpConfig
from nlp.ngram import NgramClassifier, ngram_ids
from nlp.schema import TagInput
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from nlp.training.corpus import join_labels, load_labels, load_messages
from nlp.training.finetune import head_values
from nlp.training.ngram_fit import fit_ngram
from nlp.training.ngram_run import NgramOptions, train_ngram
from tests.nlp.test_training import _write_synthetic


def test_ngram_ids_are_stable_and_normalised() -> None:
    ids = ngram_ids("噪音ＡＢ", 1 << 16)
    assert len(ids) == 4 + 3 + 2  # 1-, 2- and 3-grams of 噪音ab
    assert ids == ngram_ids("噪音ab", 1 << 16)  # full-width folds, case folds
    assert ngram_ids("", 64) == [0] and all(0 <= i < 64 for i in ngram_ids("一二三四五", 64))


def test_fit_learns_separable_heads_and_reloads(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    examples = join_labels(load_labels([labels]), load_messages(shared))
    heads = head_values(Taxonomy.load(), ["level1", "complaint", "appeal"])
    classifier, summary = fit_ngram(examples, heads, buckets=1 << 14, epochs=30, lr=0.1, seed=1)
    assert summary["steps"] == 30 * 2
    texts = [e.text for e in examples]
    predictions = classifier.predict(texts)
    assert sum(p.level1 == e.labels["level1"] for p, e in zip(predictions, examples)) / len(examples) >= 0.9
    assert sum((p.complaint_prob >= 0.5) == e.labels["is_complaint"]
               for p, e in zip(predictions, examples)) / len(examples) >= 0.9
    classifier.save(tmp_path / "ckpt", "model")
    loaded = load_classifier(tmp_path / "ckpt")
    assert isinstance(loaded, NgramClassifier) and loaded.predict(texts) == predictions
    loaded.prefetch([(e.title, e.body) for e in examples[:3]])
    assert loaded.predict_post(examples[0].title, examples[0].body).level1 == predictions[0].level1

    (tmp_path / "ckpt" / "ngram.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="ckpt: cannot load the n-gram model"):
        load_classifier(tmp_path / "ckpt")


def test_train_ngram_end_to_end_and_tagger_uses_it(tmp_path: Path, nlp_cache: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    output = tmp_path / "model"
    options = NgramOptions(shared_dir=shared, labels=[labels], output=output, dev_ids=tmp_path / "dev.txt",
                           buckets=1 << 14, epochs=20, reference_metrics=[])
    result = train_ngram(options, progress=False)
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    assert result["metrics"]["dev"] == metrics["dev"] and set(metrics["dev"]) == {"lexicon", "model", "blend"}
    dev = (tmp_path / "dev.txt").read_text(encoding="utf-8").split()
    assert metrics["data"]["dev"] == len(dev) and 0 < len(dev) < 40
    config = json.loads((output / "config.json").read_text(encoding="utf-8"))
    assert config["minsheng_kind"] == "ngram" and config["minsheng_mode"] == metrics["default_mode"]

    # A second run reuses the recorded dev split rather than drawing a new one.
    train_ngram(options, progress=False)
    assert (tmp_path / "dev.txt").read_text(encoding="utf-8").split() == dev

    for mode in ("model", "blend"):
        config["minsheng_mode"] = mode
        (output / "config.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
        tagger = Tagger(NlpConfig(model_path=output), None, {}, nlp_cache)
        tagger.initialize()
        assert tagger.version.startswith(f"{mode}.ngram-") and isinstance(tagger._classifier, NgramClassifier)
        seen = [e for e in join_labels(load_labels([labels]), load_messages(shared)) if e.key not in dev][:6]
        posts = [TagInput(title=e.title, text=e.body) for e in seen]
        tags = tagger.tag_batch(posts)
        assert tags == [tagger.tag(p) for p in posts]
        if mode == "model":  # training examples come back with their own labels
            assert sum(t.category.level1 == e.labels["level1"] for t, e in zip(tags, seen)) >= 5
