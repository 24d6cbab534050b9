"""Candidate cases for a whole batch: a few indexed reads, then matching in memory.

Per post, the engine used to ask the store for the cases at its place, near its
coordinates, and then for each candidate's evidence: a dozen queries a post. Here
the posts of a batch are grouped by time, each group's candidates are read with
one query per access path (place id; coordinate boxes; open and recently resolved
cases each through their own index), their evidence with one windowed query, and
matching then runs in memory. Cases the batch opens or changes are kept in the
pool, so a later post of the same batch sees them exactly as it would have seen
them one batch later.
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from cases.config import MatchConfig
from cases.matching import (DONE_STATUSES, EARTH_M_PER_DEG, OPEN_STATUSES, RECENT_EVIDENCE, CaseRules, Evidence,
                            EvidenceFeatures, MatchResult, Profile, box, place_spans)
from cases.windows import time_groups
from index.models import Case, CasePost, PostTag

PAIRS_PER_STATEMENT = 128  # OR terms per statement: well inside SQLite's expression depth limit


class CandidatePool:
    """The cases a batch's complaints may join or reopen, with their evidence features."""

    def __init__(self, session: Session, match: MatchConfig, evidence: EvidenceFeatures) -> None:
        self.session, self.config, self.evidence = session, match, evidence
        self.rules = CaseRules(match)
        self.cases: dict[str, Case] = {}
        self.profiles: dict[str, Profile] = {}
        # Lookups for ``find``: by (place, category), and by (category, latitude band)
        # for the radius; a post then meets a handful of cases, not the whole pool.
        self._at: dict[tuple[str | None, str | None], list[Case]] = {}
        self._bands: dict[tuple[str | None, int], list[Case]] = {}
        self._step = match.radius_m / EARTH_M_PER_DEG

    # -- loading ---------------------------------------------------------------------
    def load(self, tags: list[tuple[datetime, PostTag]]) -> None:
        """Read the candidates of every (published_at, tag) pair, a time group at a time."""
        # A group spans at most the open window, so a backfill reaching back years
        # reads per stretch of time instead of every case at those places.
        for group in time_groups(tags, key=lambda item: item[0], span=self.rules.window):
            self._load_group(group)
        self._load_profiles([case_id for case_id in self.cases if case_id not in self.profiles])

    def _load_group(self, group: list[tuple[datetime, PostTag]]) -> None:
        first, last = group[0][0], group[-1][0]
        tags = [tag for _, tag in group]
        ids: set[str] = set()
        pairs = sorted({(tag.place_id, self.rules.category(tag)) for tag in tags if tag.place_id}, key=str)
        for start in range(0, len(pairs), PAIRS_PER_STATEMENT):
            ids.update(self._at_places(pairs[start:start + PAIRS_PER_STATEMENT], first, last))
        if self.config.radius_m > 0:
            points = [(tag.lat, tag.lon, self.rules.category(tag)) for tag in tags
                      if tag.lat is not None and tag.lon is not None]
            if points:
                ids.update(self._near(points, first, last))
        new = sorted(ids.difference(self.cases))
        if new:
            # Only the cases that qualify become ORM objects: building one costs far
            # more than reading its id.
            for case in self.session.scalars(select(Case).where(Case.id.in_(new))):
                self._keep(case)

    def _when(self, first: datetime, last: datetime, status: object) -> list[object]:
        """Open and active around the posts, or resolved within ``reopen_days`` before them."""
        when = [and_(status.in_(OPEN_STATUSES), Case.last_seen >= first - self.rules.window,
                     Case.first_seen <= last + self.rules.window)]
        if self.config.reopen_days > 0:
            when.append(and_(status.in_(DONE_STATUSES), Case.resolved_at >= first - self.rules.reopen,
                             Case.resolved_at <= last))
        return when

    def _at_places(self, pairs: list[tuple[str, str | None]], first: datetime, last: datetime) -> list[str]:
        """Ids of the cases at these (place, category) pairs, through ix_cases_point."""
        column = getattr(Case, self.rules.column)
        # Padding the list to a power of two gives a handful of statement shapes that
        # SQLAlchemy compiles once, instead of one compilation per batch size.
        padded = pairs + [pairs[-1]] * ((1 << (len(pairs) - 1).bit_length()) - len(pairs))
        at = or_(*(and_(Case.place_id == place, column.is_(None) if value is None else column == value)
                   for place, value in padded))
        # ``status || ''`` keeps SQLite (no planner statistics) off ix_cases_status_due,
        # which would walk every open case: one ix_cases_point probe per pair instead.
        return list(self.session.scalars(select(Case.id).where(at, or_(*self._when(first, last,
                                                                                   Case.status.concat(""))))))

    def _near(self, points: list[tuple[float, float, str | None]], first: datetime, last: datetime) -> set[str]:
        """Ids of the cases of a post's category in a box around its coordinates.

        One light statement per distinct box (a batch's complaints cluster at a few
        spots) through ix_cases_level2_status_lat: the category, each status and the
        latitude band bound the read; a single statement over the batch's bounding box
        would read every case of the city.
        """
        column = getattr(Case, self.rules.column)
        statuses = OPEN_STATUSES + (DONE_STATUSES if self.config.reopen_days > 0 else ())
        # Built once with bound parameters: building the statement per box costs more than running it.
        area = (Case.status.in_(statuses), Case.lat.between(bindparam("a"), bindparam("b")),
                Case.lon.between(bindparam("c"), bindparam("d")), or_(*self._when(first, last, Case.status)))
        named = select(Case.id).where(column == bindparam("category"), *area)
        unnamed = select(Case.id).where(column.is_(None), *area)
        connection = self.session.connection()
        found: set[str] = set()
        seen = set()
        for lat, lon, category in points:
            # Boxes ~10 m apart read the same cases; one statement covers both.
            key = (round(lat, 4), round(lon, 4), category)
            if key in seen:
                continue
            seen.add(key)
            a, b, c, d = box(lat, lon, self.config.radius_m + 15)
            found.update(connection.execute(unnamed if category is None else named,
                                            {"category": category, "a": a, "b": b, "c": c, "d": d}).scalars())
        return found

    def _keep(self, case: Case) -> None:
        if case.id not in self.cases:
            self.cases[case.id] = case
            category = self.rules.category(case)
            self._at.setdefault((case.place_id, category), []).append(case)
            if case.lat is not None and self._step > 0:
                self._bands.setdefault((category, math.floor(case.lat / self._step)), []).append(case)

    def _load_profiles(self, case_ids: list[str]) -> None:
        """Founding and newest counted evidence of every candidate, in one read."""
        for case_id in case_ids:
            self.profiles[case_id] = Profile()
        if not case_ids:
            return
        newest = func.row_number().over(partition_by=(CasePost.case_id, CasePost.counted),
                                        order_by=CasePost.published_at.desc())
        oldest = func.row_number().over(partition_by=CasePost.case_id, order_by=CasePost.published_at)
        ranked = (select(CasePost.case_id, CasePost.post_id, CasePost.title, CasePost.text, CasePost.counted,
                         CasePost.published_at, newest.label("newest"), oldest.label("oldest"))
                  .where(CasePost.case_id.in_(case_ids)).subquery())
        rows = self.session.execute(
            select(ranked, PostTag.tokens, PostTag.locations, PostTag.place)
            .join(PostTag, PostTag.post_id == ranked.c.post_id)
            .where(or_(and_(ranked.c.counted.is_(True), ranked.c.newest <= RECENT_EVIDENCE), ranked.c.oldest == 1)))
        for row in rows:
            weights = self.evidence.get(row.post_id, row.tokens or "", f"{row.title} {row.text}",
                                        place_spans(row.locations, row.place))
            self.profiles[row.case_id].add(Evidence(row.published_at, bool(row.counted), weights))

    # -- keeping up with the batch -------------------------------------------------------
    def opened(self, case: Case, weights: Counter[str], published_at: datetime) -> None:
        """A case the batch just opened: later posts of the batch may join it."""
        self._keep(case)
        self.profiles[case.id] = Profile()
        self.attached(case, weights, published_at, counted=True)

    def attached(self, case: Case, weights: Counter[str], published_at: datetime, *, counted: bool) -> None:
        """A post became evidence of ``case``."""
        if case.id not in self.profiles:
            # A case reached another way (an author's repost) that was no candidate.
            self._keep(case)
            self._load_profiles([case.id])
        self.profiles[case.id].add(Evidence(published_at, counted, weights))

    # -- matching --------------------------------------------------------------------
    def find(self, tag: PostTag, weights: Counter[str], published_at: datetime) -> MatchResult:
        """An open case to join, else a recently resolved one to reopen, else none."""
        category = self.rules.category(tag)
        seen = {id(case): case for case in self._at.get((tag.place_id, category), [])} if tag.place_id else {}
        if tag.lat is not None and tag.lon is not None and self._step > 0:
            band = math.floor(tag.lat / self._step)
            for offset in (-1, 0, 1):
                seen.update((id(case), case) for case in self._bands.get((category, band + offset), []))
        near = [case for case in seen.values() if self.rules.near(case, tag)]
        best = self._best([c for c in near if self.rules.open_match(c, published_at)], weights)
        if best.case is not None:
            return best
        done = self._best([c for c in near if self.rules.reopen_match(c, published_at)], weights)
        if done.case is not None:
            return MatchResult(done.case, done.similarity, reopen=True)
        return MatchResult(None)

    def _best(self, cases: list[Case], weights: Counter[str]) -> MatchResult:
        scored = [(self.profiles[case.id].similarity(weights), case.last_seen, case) for case in cases]
        scored = [s for s in scored if s[0] >= self.config.min_similarity]
        if not scored:
            return MatchResult(None)
        score, _, case = max(scored, key=lambda s: (s[0], s[1]))
        return MatchResult(case, score)

    def status_of(self, case_id: str, stored: str) -> str:
        """The case's status as the batch left it (``stored``: as read from the store)."""
        case = self.cases.get(case_id)
        return case.status if case is not None else stored

