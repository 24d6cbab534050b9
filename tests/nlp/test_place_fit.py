"""`minsheng train --kind places` end to end on a tiny set of its own."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.place_sets import PLACE_SETS, PlaceSet, holdout_sets, training_sets
from nlp.span_model import SpanModel
from nlp.training.place_fit import train_places

GAZETTEER = """id,name,type,parent_id,aliases,lat,lon
c,示例市,city,,,30.0,120.0
d,东城区,district,c,东城,30.0,120.0
r1,和平路,road,d,,30.0,120.0
"""
POSTS = [
    {"text": "东城区和平路上的井盖丢了", "place": "r1", "spans": ["东城区", "和平路"]},
    {"text": "蓝谷地的物业又涨价了", "place": None, "spans": ["蓝谷地"]},
    {"text": "住在翠湖天地的朋友说停水了", "place": None, "spans": ["翠湖天地"]},
    {"text": "今天天气不错", "place": None, "spans": []},
]


def write_set(folder: Path, stem: str, posts: list[dict]) -> PlaceSet:
    (folder / f"{stem}_gazetteer.csv").write_text(GAZETTEER, encoding="utf-8")
    (folder / f"{stem}_places.jsonl").write_text(
        "\n".join(json.dumps(p, ensure_ascii=False) for p in posts) + "\n", encoding="utf-8")
    return PlaceSet(stem, "示例市", "", True, (0.0, None))


def test_trains_writes_the_model_and_its_metrics(tmp_path: Path) -> None:
    place_set = write_set(tmp_path, "tiny", POSTS)
    output = tmp_path / "model" / "spans.npz"
    result = train_places(output, [place_set], cache_dir=tmp_path / "cache", epochs=3, eval_dir=tmp_path)
    assert result["metrics"]["posts"] == 4 and result["metrics"]["sets"] == ["tiny"]
    assert json.loads((output.parent / "metrics.json").read_text())["kind"] == "places"
    assert SpanModel.load(output).weights.any()
    assert not (output.parent / "spans.npz.partial").exists()


def test_a_bad_line_names_its_file_and_line(tmp_path: Path) -> None:
    place_set = write_set(tmp_path, "broken", [*POSTS[:2], {"text": "", "spans": []}])
    output = tmp_path / "spans.npz"
    with pytest.raises(ValueError, match=r"broken_places.jsonl:3: text"):
        train_places(output, [place_set], eval_dir=tmp_path)
    assert not output.exists()  # nothing half-written


def test_the_holdouts_are_never_trained_on() -> None:
    assert holdout_sets() and not set(holdout_sets()) & set(training_sets())
    assert {s.stem for s in PLACE_SETS} == {s.stem for s in holdout_sets()} | {s.stem for s in training_sets()}
    shipped = Path(__file__).resolve().parents[2] / "nlp" / "models" / "places" / "metrics.json"
    if shipped.is_file():
        assert not set(json.loads(shipped.read_text())["sets"]) & {s.stem for s in holdout_sets()}
