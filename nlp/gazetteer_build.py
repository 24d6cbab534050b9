"""Bootstrap a gazetteer's administrative levels from a national division list.

The list is the ``china_location`` file that the PyPI package ``jionlp`` ships (a
tab-indented tree: province, city, county/district with admin codes, then towns and
streets, then villages and communities). It is read straight from the installed
package's files, never by importing jionlp, so nothing of it stays loaded. Roads,
compounds and points of interest are local knowledge: add them to the CSV by hand.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = ("id", "name", "type", "parent_id", "aliases", "lat", "lon")
# Suffixes whose stem is what residents write (新兴街道 → 新兴, 大桥镇 → 大桥).
_SHORTENED = ("街道办事处", "街道", "镇", "乡")


class DivisionDataError(ValueError):
    """The division list is missing or does not have the expected shape."""


@dataclass
class County:
    province: str
    city: str
    city_code: str
    name: str
    code: str
    alias: str
    towns: dict[str, list[str]] = field(default_factory=dict)


def jionlp_division_file() -> Path:
    """The division list inside the installed jionlp package."""
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise DivisionDataError("the package 'jionlp' is not installed (pip install jionlp), "
                                "or pass --source FILE with a china_location.txt/.zip")
    path = Path(list(spec.submodule_search_locations)[0]) / "dictionary" / "china_location.zip"
    if not path.is_file():
        raise DivisionDataError(f"{path}: not found in the installed jionlp")
    return path


def read_division_lines(path: Path) -> list[str]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            name = next((n for n in archive.namelist() if n.endswith(".txt")), None)
            if name is None:
                raise DivisionDataError(f"{path}: no .txt inside the archive")
            return io.TextIOWrapper(archive.open(name), encoding="utf-8").read().splitlines()
    return path.read_text(encoding="utf-8").splitlines()


def parse_counties(lines: Iterable[str]) -> Iterator[County]:
    """Every county/district with its towns/streets and their villages/communities."""
    province = city = city_code = ""
    county: County | None = None
    town: list[str] | None = None
    for line in lines:
        depth = len(line) - len(line.lstrip("\t"))
        parts = line.strip().split("\t")
        if not parts[0]:
            continue
        if depth <= 2 and county is not None:
            yield county
            county, town = None, None
        if depth == 0:
            province = parts[0]
        elif depth == 1:
            city, city_code = parts[0], parts[1] if len(parts) > 1 else ""
        elif depth == 2 and len(parts) == 3:
            county = County(province, city, city_code, parts[0], parts[1], parts[2])
        elif depth == 3 and county is not None:
            town = county.towns.setdefault(parts[0], [])
        elif depth == 4 and town is not None:
            town.append(parts[0])
    if county is not None:
        yield county


def find_county(counties: Iterable[County], name: str, city: str | None = None) -> County:
    """The one county named ``name`` (full name or alias), within ``city`` when given."""
    matches = [c for c in counties if name in (c.name, c.alias) and (city is None or city in (c.city, c.province))]
    if not matches:
        raise DivisionDataError(f"no county or district named {name!r}" + (f" in {city}" if city else ""))
    if len(matches) > 1:
        places = ", ".join(f"{c.province}{c.city}{c.name}" for c in matches)
        raise DivisionDataError(f"{name!r} is ambiguous ({places}): add --city")
    return matches[0]


def _alias(name: str) -> str:
    for suffix in _SHORTENED:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def gazetteer_rows(counties: Iterable[County], *, with_city: bool = True) -> list[dict[str, str]]:
    """Gazetteer rows (CSV columns) for the counties, parents before children."""
    rows: list[dict[str, str]] = []
    seen_cities: set[str] = set()
    for county in counties:
        city_id = f"c{county.city_code}"
        if with_city and city_id not in seen_cities:
            seen_cities.add(city_id)
            rows.append(_row(city_id, county.city, "city", "", ""))
        district_id = f"d{county.code}"
        rows.append(_row(district_id, county.name, "district", city_id if with_city else "",
                         county.alias if county.alias != county.name else ""))
        for t_index, (town, villages) in enumerate(county.towns.items(), start=1):
            town_id = f"{district_id}-s{t_index:03d}"
            rows.append(_row(town_id, town, "street", district_id, _alias(town)))
            for v_index, village in enumerate(villages, start=1):
                rows.append(_row(f"{town_id}-{v_index:03d}", village, "community", town_id, ""))
    return rows


def _row(id_: str, name: str, kind: str, parent: str, alias: str) -> dict[str, str]:
    return {"id": id_, "name": name, "type": kind, "parent_id": parent, "aliases": alias, "lat": "", "lon": ""}


def write_gazetteer(rows: list[dict[str, str]], out: io.TextIOBase | io.StringIO) -> None:
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
