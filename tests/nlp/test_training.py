"""Training pieces on tiny synthetic data: split, vocabulary, MLM, heads, the whole run."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer

from nlp.model import TransformerClassifier
from nlp.taxonomy import Taxonomy
from nlp.training.compare import best_mode
from nlp.training.corpus import CorpusError, Example, join_labels, load_labels, load_messages
from nlp.training.finetune import classifier_from, finetune, head_values
from nlp.training.pretrain import ModelShape, pretrain
from nlp.training.run import TrainOptions, train
from nlp.training.topics import Doc, split_groups, topic_groups
from nlp.training.vocab import build_vocab, save_tokenizer

TINY = dict(layers=1, hidden=32, attention_heads=2, intermediate=64, max_length=32, pretrain_length=32)
# (level1, level2, level3, is_complaint, appeal, sentence templates)
TOPICS = [
    ("城乡建设", "城乡规划", "违章建筑", True, "report", "{}小区有人违章搭建阁楼，占用公共绿地，请城管查处"),
    ("城乡建设", "城乡规划", "违章建筑", True, "report", "举报{}村民私自加盖三层楼房，没有规划许可"),
    ("教育文体", "教育行政管理", "其他", False, "consultation", "请问{}学校今年秋季招生划片范围是什么"),
    ("教育文体", "教育行政管理", "其他", False, "consultation", "想了解{}中学转学需要哪些材料和手续"),
    ("交通运输", "客货运输", "旅客运输", True, "complaint", "{}公交线路班次太少，等车一小时，司机态度差"),
    ("交通运输", "客货运输", "旅客运输", True, "complaint", "{}长途汽车站随意加价，乘客投诉无人处理"),
    ("环境保护", "环境污染", "水污染", True, "complaint", "{}工厂夜里偷排废水，河水发黑发臭"),
    ("环境保护", "环境污染", "水污染", True, "complaint", "{}养殖场粪水直排水库，饮用水有异味"),
]
PLACES = ["东湖", "西岭", "南塘", "北关", "青石"]


def _write_synthetic(root: Path) -> tuple[Path, Path]:
    shared, labels = root / "shared", root / "labels.jsonl"
    shared.mkdir()
    messages, rows, number = [], [], 0
    for l1, l2, l3, complaint, appeal, template in TOPICS:
        for place in PLACES:
            number += 1
            text = template.format(place)
            messages.append({"id": str(number), "user": f"U{number}", "title": text[:10], "text": text})
            rows.append({"file": "messages", "id": str(number), "level1": l1, "level2": l2, "level3": l3,
                         "is_complaint": complaint, "appeal_type": appeal})
    (shared / "messages.jsonl").write_text("".join(json.dumps(m, ensure_ascii=False) + "\n" for m in messages),
                                           encoding="utf-8")
    (shared / "replied_messages.jsonl").write_text("", encoding="utf-8")
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return shared, labels


def test_topic_split_keeps_near_duplicates_together() -> None:
    base = "A3区西湖街道茶场村五组什么时候能启动征地拆迁，村民等了三年还没有消息，请政府给个说法"
    docs = [Doc("a", base), Doc("b", base.replace("三年", "四年") + "！"), Doc("c", "请问" + base),
            Doc("d", "幼儿园收费太高，每月三千元，远超物价部门核定标准"),
            Doc("e", "夜宵摊占道经营到凌晨，油烟噪音扰民", user="U1", title="夜宵摊扰民"),
            Doc("f", "烧烤店在人行道上摆桌子，居民无法通行", user="U1", title="夜宵摊扰民严重")]
    groups = topic_groups(docs)
    assert groups[0] == groups[1] == groups[2]
    assert groups[4] == groups[5]  # same user, same title
    assert len({groups[0], groups[3], groups[4]}) == 3
    strata = ["拆迁", "拆迁", "拆迁", "教育", "城管", "城管"]
    for seed in range(5):
        train_idx, dev_idx = split_groups(groups, strata, 0.5, seed)
        for group in set(groups):
            members = {i for i, g in enumerate(groups) if g == group}
            assert members <= set(train_idx) or members <= set(dev_idx)
    assert split_groups(groups, strata, 0.5, 3) == split_groups(groups, strata, 0.5, 3)


def test_vocabulary_tokenizer_reloads_with_autotokenizer(tmp_path: Path) -> None:
    vocab = build_vocab(["噪音扰民 ab12", "噪音 AB", "龘"], min_freq=2)
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] and "龘" not in vocab
    save_tokenizer(vocab, tmp_path, max_length=16)
    tokenizer = AutoTokenizer.from_pretrained(str(tmp_path), local_files_only=True)
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("噪音 龘ＡＢ")["input_ids"])
    # One token per character; full-width letters fold to ASCII; rare characters are [UNK].
    assert tokens == ["[CLS]", "噪", "音", "[UNK]", "a", "b", "[SEP]"]


def test_bad_labels_are_one_line_errors(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    messages = load_messages(shared)
    orphan = tmp_path / "orphan.jsonl"
    orphan.write_text(json.dumps({"file": "messages", "id": "999", "level1": "政法", "level2": "x", "level3": "y",
                                  "is_complaint": True, "appeal_type": "complaint"}) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="messages:999"):
        join_labels(load_labels([orphan]), messages)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"file": "messages", "id": "1"}\nnot json\n', encoding="utf-8")
    with pytest.raises(CorpusError, match=r"broken.jsonl:1: label row lacks level1"):
        load_labels([broken])


def test_pretraining_lowers_the_masked_lm_loss(tmp_path: Path) -> None:
    # A few very common characters and many rare ones: an untrained model scores about
    # ln(vocab), one that has learnt the character frequencies far less.
    rare = [chr(0x4E00 + 37 * i) for i in range(80)]
    texts = [f"噪音扰民噪音扰民{ch}" for ch in rare] * 2
    vocab = build_vocab(texts, min_freq=1)
    tokenizer = save_tokenizer(vocab, tmp_path, 32)
    ids = [e.ids for e in tokenizer.backend_tokenizer.encode_batch(texts, add_special_tokens=False)]
    special = {t: vocab.index(t) for t in vocab[:5]}
    curve: list[float] = []
    _, summary = pretrain(ids, len(vocab), special, ModelShape(1, 32, 2, 64, 32), epochs=10, batch_size=16,
                          lr=1e-2, seed=1, on_step=lambda step, total, loss: curve.append(loss))
    assert summary["steps"] == summary["planned_steps"] == len(curve) > 0
    assert curve[0] > 0.9 * math.log(len(vocab))
    assert summary["final_loss"] < 0.6 * math.log(len(vocab))


def test_finetuning_learns_separable_heads(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    examples = join_labels(load_labels([labels]), load_messages(shared))
    tokenizer = save_tokenizer(build_vocab([e.text for e in examples], 1), tmp_path / "tok", 32)
    heads = head_values(Taxonomy.load(), ["level1", "complaint"])
    model = classifier_from(ModelShape(1, 32, 2, 64, 32), len(tokenizer), tokenizer.pad_token_id, heads,
                            None, "test")
    torch.manual_seed(0)
    finetune(model, tokenizer, examples, heads, epochs=30, batch_size=8, lr=5e-3, seed=0)
    predictions = TransformerClassifier(tokenizer, model, 32, threads=1).predict([e.text for e in examples])
    right = sum(p.level1 == e.labels["level1"] for p, e in zip(predictions, examples))
    assert right / len(examples) >= 0.9
    assert sum((p.complaint_prob >= 0.5) == e.labels["is_complaint"]
               for p, e in zip(predictions, examples)) / len(examples) >= 0.9


def test_unknown_category_in_labels_is_reported(tmp_path: Path) -> None:
    heads = head_values(Taxonomy.load(), ["level1"])
    bad = Example("messages:1", "t", "x", {"level1": "火星事务", "level2": "a", "level3": "b",
                                           "is_complaint": True, "appeal_type": "complaint"})
    tokenizer = save_tokenizer(build_vocab(["tx"], 1), tmp_path, 16)
    model = classifier_from(ModelShape(1, 16, 2, 32, 16), len(tokenizer), 0, heads, None, "test")
    with pytest.raises(CorpusError, match="火星事务"):
        finetune(model, tokenizer, [bad], heads, epochs=1)


def test_train_end_to_end_on_synthetic_data(tmp_path: Path) -> None:
    shared, labels = _write_synthetic(tmp_path)
    output = tmp_path / "model"
    options = TrainOptions(shared_dir=shared, labels=[labels], output=output, dev_ids=tmp_path / "dev_ids.txt",
                           min_char_freq=1, pretrain_epochs=2, pretrain_batch=8, finetune_epochs=4,
                           finetune_batch=8, ablation=True, **TINY)
    result = train(options, progress=False)
    assert result["output_dir"] == str(output)
    assert {"config.json", "model.safetensors", "tokenizer.json", "metrics.json"} <= {p.name for p in output.iterdir()}
    metrics = json.loads((output / "metrics.json").read_text(encoding="utf-8"))
    assert set(metrics["dev"]) == {"lexicon", "model", "blend"}
    assert "ablation_no_pretraining" in metrics and metrics["default_mode"] in metrics["dev"]
    dev = (tmp_path / "dev_ids.txt").read_text(encoding="utf-8").split()
    assert 4 <= len(dev) <= 24 and all(key.startswith("messages:") for key in dev)
    classifier = TransformerClassifier.from_pretrained(output, threads=1)
    assert classifier.max_length == 32
    assert set(classifier.predict(["学校招生"])[0].heads) == {"level1", "complaint", "level2", "appeal"}

    # A failing run (no shared data) says why in one line and leaves the saved model alone.
    before = (output / "model.safetensors").read_bytes()
    with pytest.raises(CorpusError, match="shared messages not found"):
        train(options.model_copy(update={"shared_dir": tmp_path / "nowhere"}), progress=False)
    assert (output / "model.safetensors").read_bytes() == before


def test_the_shipped_mode_must_name_the_second_level() -> None:
    def scores(l1: float, complaint: float, l2: float) -> dict:
        return {"level1_macro_f1": l1, "complaint_f1": complaint, "level2_accuracy": l2}

    # The n-gram model alone edges the blend on the two targets but has no level-2 head.
    results = {"lexicon": scores(0.55, 0.86, 0.51), "model": scores(0.747, 0.947, 0.003),
               "blend": scores(0.742, 0.946, 0.546)}
    assert best_mode(results) == "blend"
    results["model"]["level2_accuracy"] = 0.546
    assert best_mode(results) == "model"
    # Ties go to the simpler mode.
    assert best_mode({"lexicon": scores(0.5, 0.5, 0.5), "model": scores(0.5, 0.5, 0.5)}) == "lexicon"
