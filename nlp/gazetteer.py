"""The gazetteer: places, their hierarchy, every surface form, coordinates.

Loaded from a CSV (``id,name,type,parent_id,aliases,lat,lon``; aliases ``|``-separated)
and grown at run time by staff teaching it new aliases or places from the
"needs location" queue (``add_alias`` / ``add_place``).
"""
from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.aliases import generated_surfaces, split_intersection
from nlp.geo import distance_m
from nlp.places import ADMIN_TYPES, GazetteerError, Place
from nlp.schema import ResolvedPlace

CSV_COLUMNS = ("id", "name", "type", "parent_id", "aliases", "lat", "lon")
# Trust in a surface form: a name beats a listed alias beats a generated form.
KIND_WEIGHT = {"name": 1.0, "alias": 0.9, "variant": 0.8, "short": 0.6}


@dataclass(frozen=True, slots=True)
class Surface:
    """One way of writing a place, and how it was obtained."""

    place_id: str
    kind: str

    @property
    def weight(self) -> float:
        return KIND_WEIGHT[self.kind]


class Gazetteer:
    """An in-memory place index; ``version`` changes whenever it is edited."""

    def __init__(self) -> None:
        self._places: dict[str, Place] = {}
        self._children: dict[str, list[str]] = {}
        self._surfaces: dict[str, list[Surface]] = {}
        self._junctions: dict[frozenset[str], str] | None = None
        self.version = 0

    # -- loading ---------------------------------------------------------------
    @classmethod
    def from_csv(cls, path: Path | str) -> Gazetteer:
        """Load and validate a gazetteer CSV; errors name the file and line."""
        path = Path(path)
        if not path.is_file():
            raise GazetteerError(f"{path}: gazetteer file not found")
        gazetteer = cls()
        pending: list[tuple[int, Place]] = []
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise GazetteerError(f"{path}:1: missing column(s) {', '.join(missing)}")
            for row in reader:
                try:
                    pending.append((reader.line_num, _place_from_row(row)))
                except GazetteerError as exc:
                    raise GazetteerError(f"{path}:{reader.line_num}: {exc}") from None
        # Parents may come after their children in the file: add in dependency order.
        ids = {place.id for _, place in pending}
        while pending:
            progressed, rest = False, []
            for line, place in pending:
                if place.parent_id and place.parent_id not in gazetteer._places:
                    if place.parent_id not in ids:
                        raise GazetteerError(f"{path}:{line}: unknown parent_id {place.parent_id!r}")
                    rest.append((line, place))
                    continue
                try:
                    gazetteer.add_place(place)
                except GazetteerError as exc:
                    raise GazetteerError(f"{path}:{line}: {exc}") from None
                progressed = True
            if not progressed:
                raise GazetteerError(f"{path}:{rest[0][0]}: parent_id cycle at {rest[0][1].id!r}")
            pending = rest
        return gazetteer

    # -- editing ---------------------------------------------------------------
    def add_place(self, place: Place) -> Place:
        """Add a new place (its parent must exist); its surfaces become matchable."""
        place.validate()
        if place.id in self._places:
            raise GazetteerError(f"place id {place.id!r} is used twice")
        if place.parent_id and place.parent_id not in self._places:
            raise GazetteerError(f"place {place.id!r}: unknown parent_id {place.parent_id!r}")
        self._places[place.id] = place
        self._children.setdefault(place.parent_id or "", []).append(place.id)
        self._index(place.name, place.id, "name")
        for alias in place.aliases:
            self._index(alias, place.id, "alias")
        # Only city/district prefixes are implied by context (嘉兴市第一医院 → 第一医院);
        # a street or community prefix is part of the name (南溪路 under 南溪社区).
        areas = [a for a in self.ancestors(place.id) if a.type in ("city", "district")]
        ancestors = [a.name for a in areas] + [s for a in areas for s, k in generated_surfaces(a) if k == "short"]
        for surface, kind in generated_surfaces(place, ancestors):
            self._index(surface, place.id, kind)
        self._changed()
        return place

    def add_alias(self, place_id: str, alias: str) -> None:
        """Teach the gazetteer another way of writing ``place_id`` (e.g. from staff)."""
        place = self.place(place_id)
        alias = alias.strip()
        if len(alias) < 2:
            raise GazetteerError(f"alias {alias!r} for {place_id!r} is too short (2 characters at least)")
        if alias not in place.aliases and alias != place.name:
            place.aliases.append(alias)
        self._index(alias, place_id, "alias")
        self._changed()

    def _index(self, surface: str, place_id: str, kind: str) -> None:
        surface = surface.strip()
        if not surface:
            return
        entries = self._surfaces.setdefault(surface, [])
        for i, entry in enumerate(entries):
            if entry.place_id == place_id:
                if KIND_WEIGHT[kind] > entry.weight:
                    entries[i] = Surface(place_id, kind)
                return
        entries.append(Surface(place_id, kind))

    def _changed(self) -> None:
        self._junctions = None
        self.version += 1

    # -- lookups ---------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._places

    def get(self, place_id: str) -> Place | None:
        return self._places.get(place_id)

    def place(self, place_id: str) -> Place:
        """The place with this id; GazetteerError if there is none."""
        try:
            return self._places[place_id]
        except KeyError:
            raise GazetteerError(f"unknown place id {place_id!r}") from None

    def surfaces(self) -> dict[str, list[Surface]]:
        """Every surface form → the places it may denote (read-only view by convention)."""
        return self._surfaces

    def lookup(self, surface: str) -> list[Place]:
        """Places written exactly as ``surface`` (name, alias or generated form)."""
        return [self._places[s.place_id] for s in self._surfaces.get(surface.strip(), ())]

    def children(self, place_id: str) -> list[Place]:
        return [self._places[c] for c in self._children.get(place_id, ())]

    def ancestors(self, place_id: str) -> list[Place]:
        """Enclosing places, nearest first (a compound → community → street → ... → city)."""
        out: list[Place] = []
        current = self._places.get(place_id)
        while current is not None and current.parent_id:
            current = self._places.get(current.parent_id)
            if current is None or current in out:
                break
            out.append(current)
        return out

    def within(self, place_id: str, area_id: str) -> bool:
        """True if ``place_id`` is ``area_id`` or lies inside it."""
        return place_id == area_id or any(a.id == area_id for a in self.ancestors(place_id))

    def coordinates(self, place_id: str) -> tuple[float, float] | None:
        """The place's coordinates, or its nearest ancestor's when it has none."""
        for place in [self.place(place_id), *self.ancestors(place_id)]:
            if place.lat is not None and place.lon is not None:
                return place.lat, place.lon
        return None

    def resolved(self, place_id: str) -> ResolvedPlace:
        """The schema form of a place, with its administrative chain filled in."""
        place = self.place(place_id)
        chain = {p.type: p.name for p in reversed([place, *self.ancestors(place_id)]) if p.type in ADMIN_TYPES}
        coords = self.coordinates(place_id)
        return ResolvedPlace(id=place.id, name=place.name, type=place.type, **chain,
                             lat=coords[0] if coords else None, lon=coords[1] if coords else None)

    def near(self, lat: float, lon: float, radius_m: float, types: tuple[str, ...] | None = None,
             ) -> list[tuple[Place, float]]:
        """Places with coordinates within ``radius_m`` metres, nearest first."""
        hits = [(p, distance_m(lat, lon, p.lat, p.lon)) for p in self._places.values()
                if p.lat is not None and p.lon is not None and (types is None or p.type in types)]
        return sorted(((p, d) for p, d in hits if d <= radius_m), key=lambda hit: hit[1])

    def junction(self, road_a: str, road_b: str) -> Place | None:
        """The intersection entry joining two road ids, if the gazetteer has one."""
        if self._junctions is None:
            self._junctions = {}
            for place in self._places.values():
                roads = split_intersection(place.name) if place.type == "intersection" else None
                if not roads:
                    continue
                ids = [next((p.id for p in self.lookup(r) if p.type == "road"), None) for r in roads]
                if all(ids) and ids[0] != ids[1]:
                    self._junctions[frozenset(ids)] = place.id
        found = self._junctions.get(frozenset((road_a, road_b)))
        return self._places[found] if found else None


def segmenter_words(gazetteer: Gazetteer) -> list[tuple[str, str]]:
    """Names and full aliases as place words (ns) for jieba; short forms stay out, as they
    are everyday words often enough (新兴, 建设) that they must not override jieba's cuts."""
    return [(surface, "ns") for surface, entries in gazetteer.surfaces().items()
            if len(surface) >= 2 and any(e.kind != "short" for e in entries)]


def _place_from_row(row: dict[str, str | None]) -> Place:
    def text(key: str) -> str:
        return (row.get(key) or "").strip()

    def number(key: str) -> float | None:
        value = text(key)
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            raise GazetteerError(f"{key} {value!r} is not a number") from None

    aliases = [a.strip() for a in text("aliases").split("|") if a.strip()]
    place = Place(id=text("id"), name=text("name"), type=text("type"), parent_id=text("parent_id") or None,
                  aliases=aliases, lat=number("lat"), lon=number("lon"))
    place.validate()
    return place
