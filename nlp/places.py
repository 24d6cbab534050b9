"""Gazetteer entries: the ``Place`` record and the place-type vocabulary."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

from nlp.schema import PlaceType

PLACE_TYPES: tuple[str, ...] = get_args(PlaceType)
# Administrative levels, outermost first: the slots of ResolvedPlace.
ADMIN_TYPES: tuple[str, ...] = ("city", "district", "street", "community")
# How narrow a place is. The post's place is its most specific resolvable mention:
# a compound beats the road it is on, which beats the street, and so on.
SPECIFICITY: dict[str, int] = {
    "city": 0, "district": 1, "street": 2, "community": 3, "road": 3,
    "compound": 4, "poi": 4, "intersection": 5, "address": 6,
}


class GazetteerError(ValueError):
    """A gazetteer problem, worded as one line naming the file/line or place."""


@dataclass(slots=True)
class Place:
    """One gazetteer entry. ``aliases`` are extra surface forms; ``parent_id`` the
    enclosing place (a road's street, a compound's community, ...)."""

    id: str
    name: str
    type: str
    parent_id: str | None = None
    aliases: list[str] = field(default_factory=list)
    lat: float | None = None
    lon: float | None = None

    def validate(self) -> None:
        """Raise GazetteerError for an entry that cannot be indexed."""
        if not self.id or not self.id.strip():
            raise GazetteerError("empty place id")
        if not self.name or not self.name.strip():
            raise GazetteerError(f"place {self.id!r}: empty name")
        if self.type not in PLACE_TYPES:
            raise GazetteerError(
                f"place {self.id!r}: unknown type {self.type!r} (expected one of {', '.join(PLACE_TYPES)})")
        if (self.lat is None) != (self.lon is None):
            raise GazetteerError(f"place {self.id!r}: give both lat and lon or neither")
        if self.lat is not None and not -90 <= self.lat <= 90:
            raise GazetteerError(f"place {self.id!r}: latitude {self.lat} out of range")
        if self.lon is not None and not -180 <= self.lon <= 180:
            raise GazetteerError(f"place {self.id!r}: longitude {self.lon} out of range")
        if self.parent_id == self.id:
            raise GazetteerError(f"place {self.id!r}: is its own parent")
