"""`minsheng train` and `minsheng eval nlp` through the real command line."""
from __future__ import annotations

import json
from pathlib import Path

from tests.nlp.test_training import _write_synthetic


def test_train_command_on_synthetic_data(tmp_path: Path, run_cli, make_config) -> None:
    shared, labels = _write_synthetic(tmp_path)
    output = tmp_path / "model"
    code, out, err = run_cli("--config", str(make_config()), "train", "--kind", "bert", "--output", str(output),
                             "--shared", str(shared), "--labels", str(labels), "--dev-ids", str(tmp_path / "dev.txt"),
                             "--pretrain-epochs", "0", "--epochs", "2", "--no-ablation")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("bert: train ") and "dev" in lines[0]
    assert {line.split()[0] for line in lines[2:5]} == {"lexicon", "model", "blend"}
    mode = json.loads((output / "config.json").read_text(encoding="utf-8"))["minsheng_mode"]
    assert lines[-1] == f"saved {output} (tagger mode: {mode})"
    assert err == ""  # quiet in pipes: no progress bars


def test_train_command_ngram_kind(tmp_path: Path, run_cli, make_config) -> None:
    shared, labels = _write_synthetic(tmp_path)
    output = tmp_path / "ngram"
    code, out, err = run_cli("--config", str(make_config()), "train", "--output", str(output), "--shared",
                             str(shared), "--labels", str(labels), "--dev-ids", str(tmp_path / "dev.txt"),
                             "--epochs", "3")
    assert code == 0, err
    assert out.splitlines()[0].startswith("ngram: train ")
    config = json.loads((output / "config.json").read_text(encoding="utf-8"))
    assert config["minsheng_kind"] == "ngram" and out.splitlines()[-1].endswith(f"(tagger mode: {config['minsheng_mode']})")
    code, _, err = run_cli("--config", str(make_config()), "train", "--kind", "gpt", "--output", str(output))
    assert code == 2 and "--kind 'gpt': use ngram, bert or places" in err


def test_train_command_errors_are_one_line(tmp_path: Path, run_cli, make_config) -> None:
    config = str(make_config())
    code, _, err = run_cli("--config", config, "train", "--output", str(tmp_path / "m"), "--shared",
                           str(tmp_path / "nowhere"), "--dev-ids", str(tmp_path / "dev.txt"))
    assert code == 2 and "shared messages not found" in err and len(err.strip().splitlines()) == 1
    code, _, err = run_cli("--config", config, "train", "--labels", str(tmp_path / "none.jsonl"),
                           "--output", str(tmp_path / "m"))
    assert code == 2 and err.strip() == f"minsheng: error: {tmp_path / 'none.jsonl'}: label file not found"
    assert not (tmp_path / "m").exists()


def test_eval_nlp_command(tmp_path: Path, run_cli, make_config) -> None:
    data = tmp_path / "eval.jsonl"
    rows = [{"title": "小区噪音", "text": "楼下工地夜间施工噪音扰民，严重影响休息，请有关部门处理",
             "is_complaint": True, "level1": "城乡建设"},
            {"text": "感谢社区工作人员的热心帮助", "is_complaint": False, "level1": "民政"}]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    config = str(make_config())
    code, out, err = run_cli("--config", config, "eval", "nlp", "--data", str(data))
    assert code == 0, err
    assert out.splitlines()[0].endswith("2 labelled posts") and "投诉 (is_complaint)  n=2" in out

    data.write_text('{"text": "好", "is_complaint": "yes"}\n', encoding="utf-8")
    code, out, err = run_cli("--config", config, "eval", "nlp", "--data", str(data))
    assert code == 2 and out == ""
    assert err.strip() == f"minsheng: error: {data}:1: is_complaint must be true or false"
    code, _, err = run_cli("--config", config, "eval", "nlp", "--data", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "missing.jsonl: file not found" in err
