"""Gazetteer loading, validation, hierarchy, aliases and geography."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlp.gazetteer import Gazetteer
from nlp.places import GazetteerError, Place

HEADER = "id,name,type,parent_id,aliases,lat,lon\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "g.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_loads_hierarchy(gazetteer: Gazetteer) -> None:
    resolved = gazetteer.resolved("yc-hy")
    assert (resolved.city, resolved.district, resolved.street, resolved.community) == (
        "绍兴市", "越城区", "府山街道", "新华社区")
    assert [p.id for p in gazetteer.ancestors("yc-hy")] == ["yc-xh", "yc-fs", "yc", "sx"]
    assert gazetteer.within("yc-hy", "yc") and not gazetteer.within("yc-hy", "kq")


@pytest.mark.parametrize("body, problem", [
    ("a,甲市,planet,,,,\n", "unknown type 'planet'"),
    ("a,甲市,city,,,91,120\n", "latitude 91.0 out of range"),
    ("a,甲市,city,,,abc,120\n", "lat 'abc' is not a number"),
    ("a,甲市,city,,,30,\n", "both lat and lon"),
    ("a,甲市,city,,,,\nb,乙区,district,zz,,,\n", "unknown parent_id 'zz'"),
    ("a,甲市,city,,,,\na,乙市,city,,,,\n", "used twice"),
    (",甲市,city,,,,\n", "empty place id"),
])
def test_bad_rows_name_file_and_line(tmp_path: Path, body: str, problem: str) -> None:
    path = write(tmp_path, body)
    with pytest.raises(GazetteerError) as error:
        Gazetteer.from_csv(path)
    message = str(error.value)
    assert message.startswith(f"{path}:") and problem in message and "\n" not in message


def test_missing_column_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\n1,x\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="missing column"):
        Gazetteer.from_csv(bad)
    with pytest.raises(GazetteerError, match="not found"):
        Gazetteer.from_csv(tmp_path / "nope.csv")


def test_parent_after_child_is_fine(tmp_path: Path) -> None:
    gazetteer = Gazetteer.from_csv(write(tmp_path, "b,乙区,district,a,,,\na,甲市,city,,,,\n"))
    assert gazetteer.resolved("b").city == "甲市"


def test_generated_abbreviations(gazetteer: Gazetteer) -> None:
    assert [p.id for p in gazetteer.lookup("和园")] == ["yc-hy"]  # 和园小区 → 和园
    assert [p.id for p in gazetteer.lookup("金色家园小区")] == ["kq-hy"]
    assert [p.id for p in gazetteer.lookup("府山")] == ["yc-fs"]  # 府山街道 → 府山
    assert [p.id for p in gazetteer.lookup("人民医院")] == ["yc-rm"]  # city prefix dropped
    assert {p.id for p in gazetteer.lookup("新华社区")} == {"yc-xh", "kq-xh"}
    assert [p.id for p in gazetteer.lookup("胜利路解放路口")] == ["yc-jf-sq"]
    # One-character stems are never generated.
    assert gazetteer.lookup("越") == []


def test_add_alias_and_place(gazetteer: Gazetteer) -> None:
    before = gazetteer.version
    gazetteer.add_alias("yc-lx", "鲁迅故居")
    assert [p.id for p in gazetteer.lookup("鲁迅故居")] == ["yc-lx"]
    assert gazetteer.version > before
    gazetteer.add_place(Place("yc-new", "阳光花园", "compound", "yc-tc", [], 29.99, 120.57))
    assert gazetteer.resolved("yc-new").street == "塔山街道"
    with pytest.raises(GazetteerError, match="unknown parent_id"):
        gazetteer.add_place(Place("x1", "某小区", "compound", "missing"))
    with pytest.raises(GazetteerError, match="too short"):
        gazetteer.add_alias("yc-lx", "鲁")
    with pytest.raises(GazetteerError, match="unknown place id"):
        gazetteer.add_alias("nope", "某地")


def test_near_and_coordinates(gazetteer: Gazetteer) -> None:
    hits = gazetteer.near(30.0020, 120.5720, 300)
    assert hits[0][0].id == "yc-hy" and hits[0][1] < 1
    assert all(d <= 300 for _, d in hits)
    assert "kq-hy" not in {p.id for p, _ in hits}
    assert gazetteer.near(30.0020, 120.5720, 300, types=("road",)) == [] or all(
        p.type == "road" for p, _ in gazetteer.near(30.0020, 120.5720, 300, types=("road",)))


def test_junction_index(gazetteer: Gazetteer) -> None:
    assert gazetteer.junction("yc-sq", "yc-jf").id == "yc-jf-sq"
    assert gazetteer.junction("yc-hs", "yc-jf") is None


def test_demo_gazetteer_is_valid() -> None:
    from tests.nlp.conftest import DEMO_GAZETTEER
    demo = Gazetteer.from_csv(DEMO_GAZETTEER)
    assert len(demo) > 200
    types = {p.type for p in demo}
    assert {"city", "district", "street", "community", "road", "compound", "poi", "intersection"} <= types
    assert demo.lookup("南溪路与双溪路交叉口")[0].type == "intersection"
    assert all(29.5 < p.lat < 31.5 and 119.5 < p.lon < 121.5 for p in demo if p.lat is not None)
