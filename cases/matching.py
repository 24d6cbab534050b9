"""Matching a complaint to a case: same point, compatible category, similar text.

Candidates come from indexed queries (place id + category + status + recency, or a
coordinate box around the post), never from a scan of history; only the handful
of candidates are then compared with the post, by the weighted overlap of their
segmented text (see ``cases.simhash`` for why not the SimHash estimate here).
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from cases.config import MatchConfig
from cases.simhash import features, overlap
from index.models import Case, CasePost, PostTag

OPEN_STATUSES = ("new", "dispatched", "in_progress", "reopened")
DONE_STATUSES = ("resolved", "closed")
EARTH_M_PER_DEG = 111_320.0


@dataclass
class MatchResult:
    """The case a post belongs to (None: open a new one) and why."""

    case: Case | None
    similarity: float = 0.0
    reopen: bool = False  # the case was resolved recently and comes back


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


class CaseMatcher:
    """Finds the case for a tagged complaint under a ``MatchConfig``."""

    def __init__(self, match: MatchConfig) -> None:
        self.config = match
        self.column = f"level{match.category_level}"

    def category(self, tag: PostTag) -> str | None:
        """The post's category at the matching level."""
        return getattr(tag, self.column)

    def _category_clause(self, value: str | None) -> object:
        column = getattr(Case, self.column)
        return column.is_(None) if value is None else column == value

    def candidates(self, session: Session, tag: PostTag, *, statuses: tuple[str, ...],
                   time_clause: object) -> list[Case]:
        """Cases at the post's place, or within ``radius_m`` of its coordinates."""
        category = self._category_clause(self.category(tag))
        found: dict[str, Case] = {}
        if tag.place_id:
            for case in session.scalars(select(Case).where(
                    Case.place_id == tag.place_id, category, Case.status.in_(statuses), time_clause)):
                found[case.id] = case
        if tag.lat is not None and tag.lon is not None and self.config.radius_m > 0:
            dlat = self.config.radius_m / EARTH_M_PER_DEG
            dlon = dlat / max(math.cos(math.radians(tag.lat)), 0.01)
            for case in session.scalars(select(Case).where(
                    Case.status.in_(statuses), category, time_clause,
                    Case.lat.between(tag.lat - dlat, tag.lat + dlat),
                    Case.lon.between(tag.lon - dlon, tag.lon + dlon))):
                if distance_m(tag.lat, tag.lon, case.lat, case.lon) <= self.config.radius_m:
                    found[case.id] = case
        return list(found.values())

    def case_similarity(self, session: Session, case: Case, weights: Counter[str], recent: int = 12) -> float:
        """Best overlap of the post with the founding post, recent evidence, or all of it."""
        newest = (select(CasePost.post_id).where(CasePost.case_id == case.id, CasePost.counted.is_(True))
                  .order_by(CasePost.published_at.desc()).limit(recent))
        founding = (select(CasePost.post_id).where(CasePost.case_id == case.id)
                    .order_by(CasePost.published_at).limit(1))
        ids = set(session.scalars(newest)) | set(session.scalars(founding))
        rows = session.execute(select(PostTag.tokens, PostTag.locations, PostTag.place, CasePost.title,
                                      CasePost.text).join(CasePost, CasePost.post_id == PostTag.post_id)
                               .where(CasePost.case_id == case.id, CasePost.post_id.in_(ids)))
        best, profile = 0.0, Counter()
        for row in rows:
            other = features(row.tokens or "", f"{row.title} {row.text}", place_spans(row.locations, row.place))
            best = max(best, overlap(weights, other))
            profile.update(other)
        # The case's words taken together: a new post may echo one earlier post's
        # wording of the problem and another's.
        return max(best, overlap(weights, profile))

    def find(self, session: Session, tag: PostTag, weights: Counter[str], published_at: datetime) -> MatchResult:
        """An open case to join, else a recently resolved one to reopen, else none."""
        window = timedelta(days=self.config.open_window_days)
        recent = (Case.last_seen >= published_at - window) & (Case.first_seen <= published_at + window)
        best = self._best(session, self.candidates(session, tag, statuses=OPEN_STATUSES, time_clause=recent),
                          weights)
        if best.case is not None:
            return best
        if self.config.reopen_days > 0:
            since = published_at - timedelta(days=self.config.reopen_days)
            done = self._best(session, self.candidates(
                session, tag, statuses=DONE_STATUSES,
                time_clause=(Case.resolved_at >= since) & (Case.resolved_at <= published_at)), weights)
            if done.case is not None:
                return MatchResult(done.case, done.similarity, reopen=True)
        return MatchResult(None)

    def _best(self, session: Session, cases: list[Case], weights: Counter[str]) -> MatchResult:
        scored = [(self.case_similarity(session, case, weights), case.last_seen, case) for case in cases]
        scored = [s for s in scored if s[0] >= self.config.min_similarity]
        if not scored:
            return MatchResult(None)
        score, _, case = max(scored, key=lambda s: (s[0], s[1]))
        return MatchResult(case, score)
