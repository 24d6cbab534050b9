"""Place resolution: which gazetteer entry each mention means, and the post's place.

A pure function over extracted mentions. Each candidate of a mention is scored by
how it was written (name > alias > abbreviation), whether it agrees with the
post's other mentions and with the context area (one contains the other), and
whether it lies in the configured jurisdiction. The post's place is its most
specific resolved mention; failing that, the most specific context place.

A junction of two known roads without its own gazetteer entry is synthesized:
id ``junction:<road>+<road>``, named ``A与B交叉口``, at the midpoint of the two
roads' reference points, filed under the deepest administrative area both roads
share (their common street when they have one). Roads are stored as one point
each, so the coordinates are a rough estimate and are documented as such.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nlp.gazetteer import Gazetteer
from nlp.geo import midpoint
from nlp.places import ADMIN_TYPES, SPECIFICITY
from nlp.schema import Location, ResolvedPlace

SUPPORT_BONUS = 1.0  # agrees with another mention in the post
EXTRA_SUPPORT = 0.2  # per further agreeing mention: 鄞州 + 下应街道 outweigh 海曙 alone
AREA_BONUS = 0.6  # inside the source's area / the video or thread title
JURISDICTION_BONUS = 0.3  # inside the configured jurisdiction


@dataclass(slots=True)
class Mention:
    """A span that names a place; ``candidates`` are (place_id, weight) pairs."""

    text: str
    start: int
    end: int
    type: str
    candidates: list[tuple[str, float]] = field(default_factory=list)
    # For a junction without its own entry: the candidates of each road.
    roads: tuple[list[tuple[str, float]], list[tuple[str, float]]] | None = None


@dataclass(slots=True)
class PlaceResolution:
    locations: list[Location]
    place: ResolvedPlace | None


def resolve_place(mentions: Sequence[Mention], gazetteer: Gazetteer,
                  area: Sequence[Mention] | str | None = None,
                  jurisdiction: str | None = None) -> PlaceResolution:
    """Resolve ``mentions`` (from the post) in the light of ``area`` (context mentions
    or a place name) and ``jurisdiction`` (a place name or id tried first)."""
    if isinstance(area, str):
        area = [Mention(area, 0, len(area), "area",
                        [(p.id, 1.0) for p in gazetteer.lookup(area)])]
    context = list(area or [])
    scope = _jurisdiction_ids(gazetteer, jurisdiction)
    # Context mentions are resolved first, so that they can steer the post's own mentions.
    context_ids = [_pick(m, [c for c in context if c is not m], [], gazetteer, scope) for m in context]
    area_ids = [pid for pid in context_ids if pid]
    locations: list[Location] = []
    best: tuple[tuple[int, int, int], ResolvedPlace] | None = None
    for mention in mentions:
        others = [m for m in mentions if m is not mention] + context
        resolved: ResolvedPlace | None = None
        support = 0
        if mention.roads is not None and not mention.candidates:
            resolved = _junction(mention, others, area_ids, gazetteer, scope)
        else:
            chosen = _pick(mention, others, area_ids, gazetteer, scope)
            if chosen:
                resolved = gazetteer.resolved(chosen)
                support = _support(chosen, others, gazetteer)
        kind = mention.type if mention.type in SPECIFICITY else (resolved.type if resolved else "poi")
        locations.append(Location(text=mention.text, start=mention.start, end=mention.end,
                                  type=kind, resolved=resolved))
        if resolved is not None:
            key = (SPECIFICITY.get(kind, 0), support, -mention.start)
            if best is None or key > best[0]:
                best = (key, resolved)
    place = best[1] if best else None
    if place is None and area_ids:
        deepest = max(area_ids, key=lambda pid: SPECIFICITY[gazetteer.place(pid).type])
        place = gazetteer.resolved(deepest)
    return PlaceResolution(locations=locations, place=place)


def _jurisdiction_ids(gazetteer: Gazetteer, jurisdiction: str | None) -> list[str]:
    if not jurisdiction:
        return []
    if jurisdiction in gazetteer:
        return [jurisdiction]
    return [p.id for p in gazetteer.lookup(jurisdiction)]


def _related(a: str, b: str, gazetteer: Gazetteer) -> bool:
    return gazetteer.within(a, b) or gazetteer.within(b, a)


def _support(place_id: str, others: Sequence[Mention], gazetteer: Gazetteer) -> int:
    """How many other mentions could denote a place containing or inside this one."""
    return sum(1 for m in others if any(_related(place_id, c, gazetteer) for c, _ in m.candidates))


def _score(place_id: str, weight: float, others: Sequence[Mention], area_ids: Sequence[str],
           gazetteer: Gazetteer, scope: Sequence[str]) -> float:
    score = weight
    support = _support(place_id, others, gazetteer)
    if support:
        score += SUPPORT_BONUS + EXTRA_SUPPORT * (support - 1)
    if any(gazetteer.within(place_id, a) for a in area_ids):
        score += AREA_BONUS
    if any(gazetteer.within(place_id, s) for s in scope):
        score += JURISDICTION_BONUS
    return score


def _pick(mention: Mention, others: Sequence[Mention], area_ids: Sequence[str],
          gazetteer: Gazetteer, scope: Sequence[str]) -> str | None:
    if not mention.candidates:
        return None
    # Ties go to the broader place (a district over a same-named street), then the id,
    # so the choice never depends on the gazetteer's row order.
    scored = [(_score(pid, w, others, area_ids, gazetteer, scope),
               -SPECIFICITY[gazetteer.place(pid).type], pid) for pid, w in mention.candidates]
    return max(scored, key=lambda s: (s[0], s[1], [-ord(ch) for ch in s[2]]))[2]


def _junction(mention: Mention, others: Sequence[Mention], area_ids: Sequence[str],
              gazetteer: Gazetteer, scope: Sequence[str]) -> ResolvedPlace | None:
    assert mention.roads is not None
    picked = [_pick(Mention(mention.text, mention.start, mention.end, "road", cands), others,
                    area_ids, gazetteer, scope) for cands in mention.roads]
    if not all(picked):
        # One known road is still better than nothing: the junction lies on it.
        known = next((p for p in picked if p), None)
        return gazetteer.resolved(known) if known else None
    road_a, road_b = gazetteer.place(picked[0]), gazetteer.place(picked[1])
    entry = gazetteer.junction(road_a.id, road_b.id)
    if entry is not None:
        return gazetteer.resolved(entry.id)
    chain_a = {p.type: p for p in gazetteer.ancestors(road_a.id) if p.type in ADMIN_TYPES}
    chain_b = {p.type: p for p in gazetteer.ancestors(road_b.id) if p.type in ADMIN_TYPES}
    shared = {t: chain_a[t].name for t in ADMIN_TYPES
              if t in chain_a and t in chain_b and chain_a[t].id == chain_b[t].id}
    coords_a, coords_b = gazetteer.coordinates(road_a.id), gazetteer.coordinates(road_b.id)
    lat = lon = None
    if coords_a and coords_b:
        lat, lon = midpoint(*coords_a, *coords_b)
    return ResolvedPlace(id=f"junction:{road_a.id}+{road_b.id}", name=f"{road_a.name}与{road_b.name}交叉口",
                         type="intersection", lat=lat, lon=lon, **shared)
