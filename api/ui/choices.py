"""Menus the search page offers: the category tree and the district/street/community tree.

Both are read once per app (the taxonomy file, the gazetteer) and kept on ``app.state``;
the place tree is rebuilt when the gazetteer changes (staff add a place).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from api.ui.jurisdiction import MapBase, build_map_base


@dataclass(frozen=True)
class PlaceTree:
    """District → streets → communities, in gazetteer order."""

    districts: list[dict[str, Any]]


def gazetteer_for(request: Request) -> Any:
    """The app's gazetteer (loaded once; the needs-location page adds to it)."""
    cached = getattr(request.app.state, "gazetteer", None)
    if cached is None:
        path = request.app.state.runtime.settings.gazetteer
        if path is None:
            raise HTTPException(503, "no gazetteer configured (settings: gazetteer)")
        from nlp.gazetteer import Gazetteer

        cached = request.app.state.gazetteer = Gazetteer.from_csv(path)
    return cached


def category_options(request: Request) -> list[tuple[str, str, int]]:
    """(value, label, depth) for every level-1, level-2 and level-3 category."""
    cached = getattr(request.app.state, "category_options", None)
    if cached is None:
        from nlp.taxonomy import Taxonomy

        taxonomy = Taxonomy.load(request.app.state.runtime.settings.nlp.taxonomy)
        cached = []
        for level1 in taxonomy.level1():
            cached.append((level1, level1, 0))
            for level2 in taxonomy.level2(level1):
                cached.append((f"{level1}/{level2}", level2, 1))
                cached.extend((f"{level1}/{level2}/{level3}", level3, 2)
                              for level3 in taxonomy.level3(level1, level2))
        request.app.state.category_options = cached
    return cached


def _versioned(request: Request, name: str, build: Any) -> Any:
    """A value derived from the gazetteer, rebuilt when its version moves on."""
    gazetteer = gazetteer_for(request)
    cached = getattr(request.app.state, name, None)
    if cached is None or cached[0] != gazetteer.version:
        cached = (gazetteer.version, build(gazetteer))
        setattr(request.app.state, name, cached)
    return cached[1]


def has_gazetteer(request: Request) -> bool:
    return request.app.state.runtime.settings.gazetteer is not None


def place_tree(request: Request) -> PlaceTree:
    """The place menus; empty when no gazetteer is configured (the filters stay typed-in)."""
    if not has_gazetteer(request):
        return PlaceTree(districts=[])

    def build(gazetteer: Any) -> PlaceTree:
        districts = []
        for place in gazetteer:
            if place.type != "district":
                continue
            streets = []
            for street in gazetteer.children(place.id):
                if street.type != "street":
                    continue
                communities = [c.name for c in gazetteer.children(street.id) if c.type == "community"]
                streets.append({"name": street.name, "communities": communities})
            districts.append({"name": place.name, "streets": streets})
        return PlaceTree(districts=districts)
    return _versioned(request, "place_tree_cache", build)


def map_base(request: Request) -> MapBase | None:
    """The map's base, or None without a gazetteer (pages then show no map)."""
    if not has_gazetteer(request):
        return None
    return _versioned(request, "map_base_cache", build_map_base)
