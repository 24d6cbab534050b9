"""Surface forms a place is written as, beyond its name and listed aliases.

Residents write 龙川家园 for 龙川家园小区, 新兴 for 新兴街道, 第一医院 for
嘉兴市第一医院, 南溪路双溪路口 for 南溪路与双溪路交叉口. Generated forms carry a
kind so the matcher can treat them with the right suspicion:

- ``variant``: long and specific, safe to match anywhere (龙川家园小区, 禾兴南路);
- ``short``: an abbreviation that may also be an everyday word (新兴, 大桥, 建设),
  vetted against word frequency by the location matcher before use.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from nlp.places import Place

ROAD_SUFFIXES = ("大道", "路", "街", "巷", "弄")
COMPOUND_SUFFIXES = ("小区", "花园", "家园", "花苑", "苑", "公寓", "新村", "大厦", "名都", "城", "府", "庭", "湾")
DIRECTIONS = "东西南北中"
INTERSECTION_NAME = re.compile(
    r"^(?P<a>.+?(?:大道|路|街|巷|弄))(?:与|和|跟|同|、|/)?(?P<b>.+?(?:大道|路|街|巷|弄))"
    r"(?:交叉路口|交叉口|十字路口|丁字路口|交汇处|交界处|路口|口)$")
_JUNCTION_CONNECTORS = ("与", "和", "")
# "口" after a road name reads 路口: 南溪路双溪路口.
_JUNCTION_SUFFIXES = ("交叉口", "交叉路口", "十字路口", "口")
# Shortest abbreviation worth generating: one Han character matches far too much.
MIN_SHORT = 2


def split_intersection(name: str) -> tuple[str, str] | None:
    """The two road names of an intersection name, or None if it is not one."""
    match = INTERSECTION_NAME.match(name)
    return (match["a"], match["b"]) if match else None


def junction_forms(road_a: str, road_b: str) -> list[str]:
    """Every usual way of writing the junction of two roads, both orders."""
    forms: list[str] = []
    for first, second in ((road_a, road_b), (road_b, road_a)):
        for joiner in _JUNCTION_CONNECTORS:
            for suffix in _JUNCTION_SUFFIXES:
                forms.append(f"{first}{joiner}{second}{suffix}")
    return forms


def _strip(name: str, suffixes: Iterable[str]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) - len(suffix) >= MIN_SHORT:
            return name[: -len(suffix)]
    return None


def generated_surfaces(place: Place, ancestor_names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(surface, kind) pairs derived from the place's name by type-specific rules."""
    out: list[tuple[str, str]] = []
    name = place.name
    if place.type in ("city", "district"):
        stem = _strip(name, ("自治县", "自治州", "新区", "市", "区", "县"))
        if stem:
            out.append((stem, "short"))
    elif place.type == "street":
        stem = _strip(name, ("街道", "镇", "乡"))
        if stem:
            out.append((stem, "short"))
        if name.endswith("街道"):
            out += [(name + "办事处", "variant"), (name + "办", "variant")]
        else:
            out.append((name + "政府", "variant"))
    elif place.type == "community":
        stem = _strip(name, ("社区", "村"))
        if stem:
            out.append((stem, "short"))
            tail = "居委会" if name.endswith("社区") else "村委会"
            out.append((stem + tail, "variant"))
    elif place.type == "compound":
        if name.endswith("小区"):
            stem = name[:-2]
            kind = "variant" if stem.endswith(COMPOUND_SUFFIXES) and len(stem) >= 3 else "short"
            if len(stem) >= MIN_SHORT:
                out.append((stem, kind))
        else:
            out.append((name + "小区", "variant"))
    elif place.type == "road":
        stem = _strip(name, ROAD_SUFFIXES)
        suffix = name[len(stem):] if stem else ""
        # 禾兴路 is signed 禾兴南路/禾兴北路 along its sections.
        if stem and suffix == "路" and stem[-1] not in DIRECTIONS:
            out += [(f"{stem}{d}路", "variant") for d in DIRECTIONS]
    elif place.type == "intersection":
        roads = split_intersection(name)
        if roads:
            out += [(form, "variant") for form in junction_forms(*roads)]
    # 嘉兴市第一医院 → 第一医院, 秀洲万达广场 → 万达广场: the city is implied locally.
    for ancestor in ancestor_names:
        if name.startswith(ancestor) and len(name) - len(ancestor) >= 3:
            out.append((name[len(ancestor):], "variant"))
    seen = {name, *place.aliases}
    unique: list[tuple[str, str]] = []
    for surface, kind in out:
        if surface not in seen:
            seen.add(surface)
            unique.append((surface, kind))
    return unique
