"""The jurisdiction map's base, drawn from the gazetteer alone (there are no online tiles).

Each district becomes a polygon: the convex hull of its own and its descendants'
coordinates, padded so that points on the edge stay inside. Streets are labelled
points. The result is GeoJSON that ECharts registers as a map (``echarts.registerMap``),
so case markers and the heat layer sit on the same lon/lat projection.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from nlp.gazetteer import Gazetteer

Point = tuple[float, float]  # (lon, lat): GeoJSON order
# Padding around a hull, in degrees (≈ 800 m): a one-street district still gets an area.
HULL_PAD_DEG = 0.008


def convex_hull(points: list[Point]) -> list[Point]:
    """Andrew's monotone chain; counter-clockwise, without repeating the first point."""
    unique = sorted(set(points))
    if len(unique) <= 2:
        return unique

    def cross(o: Point, a: Point, b: Point) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[Point] = []
    for p in unique:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[Point] = []
    for p in reversed(unique):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def padded_outline(points: list[Point], pad: float = HULL_PAD_DEG) -> list[Point]:
    """A closed ring around ``points``: each hull vertex pushed out from the centroid.

    One or two points (a district known only by its seat) get an octagon around them.
    """
    hull = convex_hull(points)
    if not hull:
        return []
    cx = sum(p[0] for p in hull) / len(hull)
    cy = sum(p[1] for p in hull) / len(hull)
    if len(hull) < 3:
        ring = [(cx + pad * 2 * math.cos(k * math.pi / 4), cy + pad * 2 * math.sin(k * math.pi / 4))
                for k in range(8)]
    else:
        ring = []
        for x, y in hull:
            dx, dy = x - cx, y - cy
            length = math.hypot(dx, dy) or 1.0
            ring.append((x + dx / length * pad, y + dy / length * pad))
    ring = [(round(x, 5), round(y, 5)) for x, y in ring]
    return ring + [ring[0]]


@dataclass(frozen=True)
class MapBase:
    """What the browser needs to draw the jurisdiction: outlines, labels and bounds."""

    geojson: dict[str, Any]
    streets: list[dict[str, Any]]
    bounds: tuple[float, float, float, float] | None  # min lon, min lat, max lon, max lat

    def as_json(self) -> dict[str, Any]:
        return {"geojson": self.geojson, "streets": self.streets,
                "bounds": list(self.bounds) if self.bounds else None}


def build_map_base(gazetteer: Gazetteer) -> MapBase:
    """District polygons and street points from every place with coordinates."""
    by_district: dict[str, list[Point]] = {}
    streets: list[dict[str, Any]] = []
    everything: list[Point] = []
    for place in gazetteer:
        if place.lat is None or place.lon is None:
            continue
        point = (place.lon, place.lat)
        everything.append(point)
        chain = [place, *gazetteer.ancestors(place.id)]
        district = next((p for p in chain if p.type == "district"), None)
        if district is not None:
            by_district.setdefault(district.name, []).append(point)
        if place.type == "street":
            streets.append({"name": place.name, "value": [place.lon, place.lat],
                            "district": district.name if district else None})
    features = [{"type": "Feature", "properties": {"name": name},
                 "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in padded_outline(points)]]}}
                for name, points in sorted(by_district.items()) if points]
    bounds = None
    if everything:
        xs, ys = [p[0] for p in everything], [p[1] for p in everything]
        bounds = (min(xs), min(ys), max(xs), max(ys))
    return MapBase(geojson={"type": "FeatureCollection", "features": features}, streets=streets, bounds=bounds)
