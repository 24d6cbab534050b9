"""The character n-gram classifier: features, training, saving/loading, and in the tagger."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from nlp.checkpoint import ModelError, checkpoint_lexicon_weight, load_classifier
from nlp.config import NlpConfig
from nlp.ngram import NgramClassifier, ngram_ids, tfidf
from nlp.schema import TagInput
from nlp.tagger import Tagger
from nlp.taxonomy import Taxonomy
from nlp.training.corpus import CorpusError, join_labels, load_labels, load_messages, load_written
from nlp.training.blend_weight import CANDIDATES
from nlp.training.finetune import head_values
from nlp.training.ngram_fit import fit_ngram
from nlp.training.ngram_run import NgramOptions, train_ngram
from tests.nlp.test_training import _write_synthetic


def test_ngram_ids_are_stable_and_normalised() -> None:
    ids = ngram_ids("噪音ＡＢ", 1 << 16)
    assert len(ids) == 4 + 3 + 2  # 1-, 2- and 3-grams of 噪音ab
    assert ids == ngram_ids("噪音ab", 1 << 16)  # full-width folds, case folds
    assert ngram_ids("", 64) == [0] and all(0 <= i < 64 for i in ngram_ids("一二三四五", 64))


def test_tfidf_weighs_raw_or_log_counts_and_normalises() -> None:
    idf = torch.tensor([1.0, 2.0, 1.0])
    ids, raw = tfidf([0, 0, 0, 1], idf, sublinear=False)
    assert ids == [0, 1] and raw[0] / raw[1] == pytest.approx(3 / 2)
    _, log = tfidf([0, 0, 0, 1], idf, sublinear=True)
    assert log[0] / log[1] == pytest.approx((1 + torch.log(torch.tensor(3.0)).item()) / 2)
    assert sum(w * w for w in raw) == pytest.approx(1.0) and sum(w * w for w in log) == pytest.approx(1.0)


def test_fit_learns_separable_heads_and_reloads(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    examples = join_labels(load_labels([labels]), load_messages(shared))
    heads = head_values(Taxonomy.load(), ["level1", "complaint", "appeal"])
    classifier, summary = fit_ngram(examples, heads, buckets=1 << 14, epochs=60, seed=1)
    assert summary["steps"] == 60
    texts = [e.text for e in examples]
    predictions = classifier.predict(texts)
    assert sum(p.level1 == e.labels["level1"] for p, e in zip(predictions, examples)) / len(examples) >= 0.9
    assert sum((p.complaint_prob >= 0.5) == e.labels["is_complaint"]
               for p, e in zip(predictions, examples)) / len(examples) >= 0.9
    classifier.save(tmp_path / "ckpt", "model")
    loaded = load_classifier(tmp_path / "ckpt")
    assert isinstance(loaded, NgramClassifier) and loaded.predict(texts) == predictions
    assert not loaded.sublinear  # raw term counts are the default and survive saving
    config = json.loads((tmp_path / "ckpt" / "config.json").read_text(encoding="utf-8"))
    assert config["tf"] == "raw"
    del config["tf"]  # a checkpoint saved before the flag existed weighed log counts
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert load_classifier(tmp_path / "ckpt").sublinear
    config["tf"] = "squared"
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match="unknown tf 'squared'"):
        load_classifier(tmp_path / "ckpt")
    classifier.save(tmp_path / "ckpt", "model")
    loaded = load_classifier(tmp_path / "ckpt")
    loaded.prefetch([(e.title, e.body) for e in examples[:3]])
    assert loaded.predict_post(examples[0].title, examples[0].body).level1 == predictions[0].level1
    # Outside a batch, the category, complaint and appeal components ask for the same post in
    # turn: one pass serves them all.
    loaded.clear_cache()
    calls = []
    real_predict = loaded.predict
    loaded.predict = lambda texts: calls.append(len(texts)) or real_predict(texts)  # type: ignore[method-assign]
    first = loaded.predict_post(examples[4].title, examples[4].body)
    assert loaded.predict_post(examples[4].title, examples[4].body) is first and calls == [1]
    loaded.predict_post(examples[5].title, examples[5].body)
    assert calls == [1, 1]

    (tmp_path / "ckpt" / "ngram.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="ckpt: cannot load the n-gram model"):
        load_classifier(tmp_path / "ckpt")


def test_train_ngram_end_to_end_and_tagger_uses_it(tmp_path: Path, nlp_cache: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    output = tmp_path / "model"
    options = NgramOptions(shared_dir=shared, labels=[labels], output=output, dev_ids=tmp_path / "dev.txt",
                           buckets=1 << 14, epochs=20, reference_metrics=[], written=tmp_path / "none.jsonl",
                           written_messages=tmp_path / "none.jsonl")
    result = train_ngram(options, progress=False)
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    assert result["metrics"]["dev"] == metrics["dev"] and set(metrics["dev"]) == {"lexicon", "model", "blend"}
    dev = (tmp_path / "dev.txt").read_text(encoding="utf-8").split()
    assert metrics["data"]["dev"] == len(dev) and 0 < len(dev) < 40
    config = json.loads((output / "config.json").read_text(encoding="utf-8"))
    assert config["minsheng_kind"] == "ngram" and config["minsheng_mode"] == metrics["default_mode"]
    # The blend's lexicon weight is chosen on the training folds and travels with the checkpoint.
    assert metrics["lexicon_weight"] in CANDIDATES and set(metrics["lexicon_weight_cv_level1_macro_f1"])
    assert checkpoint_lexicon_weight(output) == config["minsheng_lexicon_weight"] == metrics["lexicon_weight"]

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


CHATTER = ["哈哈哈笑死我了", "夜景真美，打卡", "前排围观", "周末带娃去公园玩了一天", "新商场今天开业了",
           "兼职日结加微信", "这衣服哪里买的求链接", "沙发", "给环卫工人点赞", "下雨了记得带伞"]
SHORT_COMPLAINTS = ["路灯坏了一个月没人修", "小区门口垃圾三天没人收", "半夜工地施工吵得睡不着",
                    "消防通道被车堵死了", "老板拖欠工资跑路了", "下水道堵了污水漫到路上",
                    "楼道里有煤气味", "人行道上全是碎玻璃", "电动车乱停把盲道占了", "饭店油烟熏得没法开窗"]


def test_written_posts_teach_the_complaint_head_only(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    written = tmp_path / "written.jsonl"
    rows = [{"text": t, "is_complaint": False, "appeal_type": "none"} for t in CHATTER]
    rows += [{"text": t, "is_complaint": True, "appeal_type": "complaint"} for t in SHORT_COMPLAINTS]
    written.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    examples = load_written(written)
    assert len(examples) == 20 and examples[0].labels["level1"] is None and examples[0].key == "written:1"

    # Board-style messages the team wrote: training only, keyed apart so they weigh like messages.
    board = tmp_path / "board.jsonl"
    board.write_text("".join(json.dumps({"text": t, "is_complaint": True, "appeal_type": "complaint",
                                         "level1": "城乡建设", "level2": "城市建设和市政管理",
                                         "level3": "城市公共设施"}, ensure_ascii=False) + "\n"
                             for t in SHORT_COMPLAINTS[:3]), encoding="utf-8")
    assert [e.key for e in load_written(board, prefix="board")] == ["board:1", "board:2", "board:3"]
    options = NgramOptions(shared_dir=shared, labels=[labels], output=tmp_path / "model", dev_ids=tmp_path / "dev.txt",
                           buckets=1 << 14, epochs=20, reference_metrics=[], written=written, written_messages=board)
    metrics = train_ngram(options, progress=False)["metrics"]
    assert metrics["data"]["written_train"] == 16 and metrics["data"]["written_dev"] == 4
    assert metrics["data"]["written_messages"] == 3
    assert set(metrics["written_dev"]) == {"lexicon", "model", "blend"}
    # The category head still learns from the messages alone.
    assert metrics["dev"]["model"]["level1_accuracy"] >= 0.5

    written.write_text('{"text": "好", "appeal_type": "none"}\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"written.jsonl:1: needs text, is_complaint"):
        load_written(written)


def test_a_bad_lexicon_weight_in_a_checkpoint_is_named(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"minsheng_kind": "ngram", "minsheng_lexicon_weight": "lots"}',
                                          encoding="utf-8")
    with pytest.raises(ModelError, match="minsheng_lexicon_weight must be a number"):
        checkpoint_lexicon_weight(tmp_path)
    (tmp_path / "config.json").write_text('{"minsheng_kind": "ngram"}', encoding="utf-8")
    assert checkpoint_lexicon_weight(tmp_path) == 1.0  # checkpoints from before the weight was recorded
