"""Distance on the Earth for the geo filter, matched to Elasticsearch's arc distance.

Elasticsearch's ``geo_distance`` (``distance_type: arc``) is haversine on a sphere of
the mean Earth radius below; the embedded engine uses the same formula so both
count the same posts for "within N metres of a point".
"""
from __future__ import annotations

import math

EARTH_MEAN_RADIUS_M = 6371008.7714  # what Elasticsearch uses (GeoUtils.EARTH_MEAN_RADIUS)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle, with a safety margin.

    Used as a cheap index range filter before the exact haversine check, so it may
    be a little too large but never too small.
    """
    margin = 1.001
    dlat = math.degrees(radius_m * margin / EARTH_MEAN_RADIUS_M)
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    cos_lat = min(math.cos(math.radians(min_lat)), math.cos(math.radians(max_lat)))
    if cos_lat <= 1e-9 or dlat >= 90:
        return min_lat, max_lat, -180.0, 180.0  # a pole inside the circle: every longitude
    dlon = math.degrees(math.asin(min(1.0, math.sin(math.radians(dlat)) / cos_lat))) * margin
    if dlon >= 180:
        return min_lat, max_lat, -180.0, 180.0
    # Circles crossing the antimeridian are not split: a 12345 centre's radius never
    # reaches it, so the box is simply widened to every longitude in that case.
    if lon - dlon < -180 or lon + dlon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon
