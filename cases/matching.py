"""Matching a complaint to a case: same point, compatible category, similar text.

The pieces here are pure: which cases qualify for a post (place, radius, category,
time) and how alike a post is to a case's evidence. ``cases.pool`` feeds them the
candidate cases of a whole batch, read with a few indexed queries.

Texts are compared by the weighted overlap of their segmented words (see
``cases.simhash`` for why not the SimHash estimate here), against the case's
founding post, its newest counted posts, and all of those taken together.
"""
from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cases.config import MatchConfig
from cases.simhash import features, overlap
from index.models import Case, PostTag

OPEN_STATUSES = ("new", "dispatched", "in_progress", "reopened")
DONE_STATUSES = ("resolved", "closed")
EARTH_M_PER_DEG = 111_320.0
RECENT_EVIDENCE = 12  # newest counted posts a case is compared by, besides its founding post


@dataclass
class MatchResult:
    """The case a post belongs to (None: open a new one) and why."""

    case: Case | None
    similarity: float = 0.0
    reopen: bool = False  # the case was resolved recently and comes back


@dataclass
class Evidence:
    """One evidence post's features, as matching compares them."""

    published_at: datetime
    counted: bool
    weights: Counter[str]


@dataclass
class Profile:
    """What a case is compared by: its founding post and newest counted posts."""

    evidence: list[Evidence] = field(default_factory=list)
    _chosen: list[Evidence] | None = None
    _total: Counter[str] | None = None

    def add(self, item: Evidence) -> None:
        self.evidence.append(item)
        self._chosen = self._total = None

    def _compared(self) -> list[Evidence]:
        if self._chosen is None:
            counted = sorted((e for e in self.evidence if e.counted), key=lambda e: e.published_at)
            chosen = counted[-RECENT_EVIDENCE:]
            if self.evidence:
                founding = min(self.evidence, key=lambda e: e.published_at)
                if all(founding is not e for e in chosen):
                    chosen.append(founding)
            # Older evidence is no longer compared: forgetting it bounds memory on hot cases.
            self.evidence = list(chosen)
            total: Counter[str] = Counter()
            for item in chosen:
                total.update(item.weights)
            self._chosen, self._total = chosen, total
        return self._chosen

    def similarity(self, weights: Counter[str]) -> float:
        """Best overlap with one compared post, or with their words taken together: a
        new post may echo one earlier post's wording of the problem and another's."""
        chosen = self._compared()
        best = max((overlap(weights, item.weights) for item in chosen), default=0.0)
        return max(best, overlap(weights, self._total or Counter()))


class EvidenceFeatures:
    """Features of evidence posts, kept across batches (least recently used out).

    The same candidate cases come back batch after batch while a problem is live,
    and segmenting their evidence into features again is most of matching's cost.
    Keyed by the post and the very text and tokens, so an edited tag is recomputed.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple, Counter[str]] = OrderedDict()

    def get(self, post_id: int, tokens: str, text: str, spans: list[str]) -> Counter[str]:
        key = (post_id, tokens, text, tuple(spans))
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        found = self._items[key] = features(tokens, text, spans)
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)
        return found


def place_spans(locations: list | None, place: dict | None) -> list[str]:
    """The place mentions of a post, left out when comparing texts."""
    spans = [loc.get("text", "") for loc in (locations or []) if isinstance(loc, dict)]
    if place and place.get("name"):
        spans.append(place["name"])
    return spans


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(min lat, max lat, min lon, max lon) around a point: an index-friendly superset of the circle."""
    dlat = radius_m / EARTH_M_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


class CaseRules:
    """Whether a case qualifies for a post under a ``MatchConfig`` (pure checks)."""

    def __init__(self, match: MatchConfig) -> None:
        self.config = match
        self.column = f"level{match.category_level}"
        self.window = timedelta(days=match.open_window_days)
        self.reopen = timedelta(days=match.reopen_days)

    def category(self, item: PostTag | Case) -> str | None:
        """The category at the matching level, of a tag or a case."""
        return getattr(item, self.column)

    def near(self, case: Case, tag: PostTag) -> bool:
        """Same gazetteer place, or within ``radius_m`` of the post's coordinates."""
        if tag.place_id and case.place_id == tag.place_id:
            return True
        radius = self.config.radius_m
        if tag.lat is None or tag.lon is None or case.lat is None or case.lon is None or radius <= 0:
            return False
        if abs(case.lat - tag.lat) * EARTH_M_PER_DEG > radius:
            return False  # cheaper than the haversine for the many cases far to the north or south
        return distance_m(tag.lat, tag.lon, case.lat, case.lon) <= radius

    def open_match(self, case: Case, published_at: datetime) -> bool:
        """An open case active around the post's time."""
        return (case.status in OPEN_STATUSES and case.last_seen >= published_at - self.window
                and case.first_seen <= published_at + self.window)

    def reopen_match(self, case: Case, published_at: datetime) -> bool:
        """A case resolved within ``reopen_days`` before the post."""
        return (self.config.reopen_days > 0 and case.status in DONE_STATUSES and case.resolved_at is not None
                and published_at - self.reopen <= case.resolved_at <= published_at)
