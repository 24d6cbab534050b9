"""Metric functions against hand-computed values, and evaluate_file / eval_command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.evaluate import (EvalDataError, accuracy, confusion, eval_command, evaluate_file, macro_f1,
                          per_class, precision_recall_f1, render_confusion, span_found, span_scores)
from nlp.schema import Category, ResolvedPlace, TagInput, Tags

GOLD = ["a", "a", "a", "b", "b", "c"]
PRED = ["a", "a", "b", "b", "c", "c"]


def test_precision_recall_f1_by_hand() -> None:
    # class a: tp=2, predicted 2, actual 3 → P=1, R=2/3, F1=0.8
    assert precision_recall_f1(GOLD, PRED, "a") == pytest.approx((1.0, 2 / 3, 0.8))
    # class b: tp=1, predicted 2, actual 2 → P=R=F1=0.5
    assert precision_recall_f1(GOLD, PRED, "b") == pytest.approx((0.5, 0.5, 0.5))
    # class c: tp=1, predicted 2, actual 1 → P=0.5, R=1, F1=2/3
    assert precision_recall_f1(GOLD, PRED, "c") == pytest.approx((0.5, 1.0, 2 / 3))
    assert precision_recall_f1([True, False], [False, False], True) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="2 items"):
        precision_recall_f1([True, False], [True], True)


def test_macro_f1_accuracy_and_per_class_support() -> None:
    assert macro_f1(GOLD, PRED) == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)
    assert accuracy(GOLD, PRED) == pytest.approx(4 / 6)
    scores = per_class(GOLD, PRED)
    assert [scores[k].support for k in "abc"] == [3, 2, 1]
    # The mean runs over the labelled classes (the TipDM-cup formula): a class that is only
    # ever predicted adds no F1 of 0, but answering it still costs its gold class recall.
    assert macro_f1(["a", "a"], ["a", "z"]) == pytest.approx(2 / 3)
    assert macro_f1(["a", "a"], ["a", "a"]) == 1.0
    # Given labels, those classes count, as in scikit-learn's labels=…
    assert macro_f1(["a", "a"], ["a", "z"], labels=["a", "z"]) == pytest.approx((2 / 3 + 0.0) / 2)
    assert macro_f1([], []) == 0.0


def test_confusion_table() -> None:
    table = confusion(GOLD, PRED)
    assert table[("a", "a")] == 2 and table[("a", "b")] == 1 and table[("b", "c")] == 1
    text = render_confusion(table)
    assert "a → b  1" in text and "a → a" not in text
    assert render_confusion(confusion(["x"], ["x"])) == "  (none)"


class KeywordTagger:
    """A tagger stand-in: complaint if 投诉 appears, level1 by a keyword."""

    def tag(self, post: TagInput) -> Tags:
        level1 = "教育文体" if "学校" in post.text else "城乡建设"
        place = ResolvedPlace(id="p1", name="南湖街道", type="street", district="南湖区", city="嘉兴市")
        return Tags(is_complaint="投诉" in post.text, complaint_score=0.9, appeal_type="complaint",
                    category=Category(level1=level1, level2="其他", level3="其他", score=0.5),
                    place=place if "南湖" in post.text else None, urgency="normal", tagger="test")


def _write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_evaluate_file_scores_each_labelled_field(tmp_path: Path) -> None:
    data = _write(tmp_path / "eval.jsonl", [
        {"text": "投诉南湖小区噪音", "is_complaint": True, "level1": "城乡建设", "place": "南湖区"},
        {"text": "学校食堂很好", "is_complaint": False, "level1": "教育文体", "place": "p1"},
        {"text": "投诉学校乱收费", "is_complaint": False, "level1": "教育文体"},
        {"text": "路灯不亮", "level1": "交通运输"},
    ])
    summary = evaluate_file(data, KeywordTagger()).summary()
    assert summary["lines"] == 4
    assert summary["is_complaint"]["n"] == 3
    assert summary["is_complaint"]["precision"] == pytest.approx(0.5)
    assert summary["is_complaint"]["recall"] == pytest.approx(1.0)
    assert summary["level1"]["accuracy"] == pytest.approx(3 / 4)
    # 城乡建设: P=1/2 R=1 → 2/3; 教育文体: 1; 交通运输: 0
    assert summary["level1"]["macro_f1"] == pytest.approx((2 / 3 + 1 + 0) / 3)
    assert summary["place"] == {"n": 2, "accuracy": 0.0, "within": 0.5}
    assert "level3" not in summary
    report = eval_command(KeywordTagger(), data)
    assert "一级分类 (level1)  n=4" in report and "交通运输 → 城乡建设  1" in report


def test_a_file_labelling_part_of_the_taxonomy_is_averaged_over_its_own_classes(tmp_path: Path) -> None:
    # Like the TipDM-cup data (7 of 15 first-level classes): the tagger's 城乡建设 answer
    # for a 教育文体 post is a mistake, but 城乡建设 itself is no class of this file.
    data = _write(tmp_path / "eval.jsonl", [
        {"text": "学校食堂很好", "level1": "教育文体"},
        {"text": "学校门口路灯坏了", "level1": "教育文体"},
        {"text": "公园路灯坏了", "level1": "教育文体"},
    ])
    summary = evaluate_file(data, KeywordTagger()).summary()
    assert summary["level1"]["macro_f1"] == pytest.approx(0.8)  # 教育文体: P 1, R 2/3
    assert "1 posts were put in a class the file never labels" in eval_command(KeywordTagger(), data)


def test_bad_data_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="data file not found"):
        evaluate_file(tmp_path / "missing.jsonl", KeywordTagger())
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "好"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"bad.jsonl:2: expected an object with a string 'text'"):
        evaluate_file(bad, KeywordTagger())
    bad.write_text('{"text": "好", "is_complaint": "yes"}\n', encoding="utf-8")
    with pytest.raises(EvalDataError, match=r"bad.jsonl:1: is_complaint must be true or false"):
        evaluate_file(bad, KeywordTagger())
    (tmp_path / "empty.jsonl").write_text("\n", encoding="utf-8")
    with pytest.raises(EvalDataError, match="no labelled lines"):
        evaluate_file(tmp_path / "empty.jsonl", KeywordTagger())


def test_eval_command_with_the_real_tagger(tmp_path: Path, test_tagger) -> None:
    data = _write(tmp_path / "eval.jsonl", [
        {"title": "小区噪音", "text": "楼下工地夜间施工噪音扰民，严重影响休息，请有关部门处理", "is_complaint": True,
         "level1": "城乡建设", "level3": ["城乡建设", "城市建设和市政管理", "其他"]},
        {"text": "感谢社区工作人员的热心帮助", "is_complaint": False, "level1": "民政"},
    ])
    report = eval_command(test_tagger, data)
    assert report.splitlines()[0].endswith("2 labelled posts")
    assert "投诉 (is_complaint)  n=2" in report and "三级分类 (level3)  n=1" in report


def test_span_recall_and_precision_by_hand() -> None:
    # 南溪路与双溪路交叉口 found exactly; 龙川家园小区 found as 龙川家园 (most of it);
    # 东栅 (1 of 4 characters of 东栅街道口) is too little; one returned span is not a gold one.
    gold = [["南溪路与双溪路交叉口", "龙川家园小区"], ["东栅街道口"]]
    pred = [["南溪路与双溪路交叉口", "龙川家园"], ["东栅", "嘉兴"]]
    assert span_scores(gold, pred) == {"n": 3, "recall": pytest.approx(2 / 3), "precision": pytest.approx(2 / 4)}
    assert span_found("中山路", ["中山路300号"]) and not span_found("中山路300号", ["山"])


def test_spans_are_scored_from_the_file(tmp_path: Path, test_tagger) -> None:
    data = _write(tmp_path / "eval.jsonl", [{"text": "青枫路与白鹭路交叉口的路灯坏了一个月", "spans": ["青枫路与白鹭路交叉口"]}])
    summary = evaluate_file(data, test_tagger).summary()
    assert summary["spans"] == {"n": 1, "recall": 1.0, "precision": 1.0}
    assert "地点提及 (spans)  n=1" in eval_command(test_tagger, data)
    _write(data, [{"text": "好", "spans": "中山路"}])
    with pytest.raises(EvalDataError, match=r"eval.jsonl:1: spans must be a list of strings"):
        evaluate_file(data, test_tagger)
