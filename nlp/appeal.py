"""Is this post a complaint, and what kind of appeal is it?

``ComplaintModel`` is the seam a trained classifier will later fill; the lexicon
implementation weighs cue groups from ``nlp/data/appeal.yaml``: problem and
appeal cues push towards a complaint, praise, ads and chatter push away, and
suggestion/consultation cues decide what a non-complaint appeal is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from nlp.datafiles import DataFileError, read_yaml
from nlp.phrases import PhraseSet
from nlp.schema import AppealType

CUES = Path(__file__).resolve().parent / "data" / "appeal.yaml"
GROUPS = ("problem", "appeal", "help", "report", "hazard", "suggestion", "consultation", "praise", "ad", "chatter")
# Evidence per distinct cue; negative groups are weighted so that one ad phrase
# outweighs one problem word (ads borrow complaint vocabulary: "漏水？找我们").
WEIGHTS = {"problem": 1.2, "appeal": 0.6, "help": 1.5, "report": 1.0, "hazard": 3.0, "suggestion": -0.3,
           "consultation": -0.3, "praise": -1.1, "ad": -2.0, "chatter": -0.8}
MAX_PER_GROUP = 3
# With no cues at all a post scores sigmoid(-BIAS * SLOPE) ≈ 0.23.
BIAS = 0.8
SLOPE = 1.5


@dataclass(frozen=True, slots=True)
class Appeal:
    is_complaint: bool
    score: float
    type: AppealType
    hazard: bool = False  # a present danger is reported (see LexiconComplaintModel.reports_hazard)


@runtime_checkable
class ComplaintModel(Protocol):
    """Anything that decides complaint / appeal type for a post."""

    name: str

    def assess(self, title: str, text: str) -> Appeal:
        ...


class LexiconComplaintModel:
    """Cue-group scoring; ``threshold`` is NlpConfig.complaint_threshold."""

    name = "lexicon"

    def __init__(self, threshold: float = 0.5, cues: dict[str, list[str]] | None = None) -> None:
        cues = cues if cues is not None else load_cues(CUES)
        self.threshold = threshold
        self._groups = {group: PhraseSet(cues.get(group, [])) for group in GROUPS}

    def counts(self, text: str) -> dict[str, int]:
        """Distinct cue hits per group (capped), for explanations and tests."""
        return {g: min(MAX_PER_GROUP, len(p.hits(text))) for g, p in self._groups.items()}

    def reports_hazard(self, title: str, text: str) -> bool:
        """A present danger is reported (gas leak, fire, a missing manhole cover...), not in an ad.

        Reports of hazards are complaints by definition, however short or casual the
        post: a classifier trained on long letters must not talk a gas leak down.
        """
        return self.assess(title, text).hazard

    def assess(self, title: str, text: str) -> Appeal:
        counts = self.counts(f"{title}\n{text}")
        raw = sum(WEIGHTS[g] * n for g, n in counts.items())
        score = 1.0 / (1.0 + math.exp(-SLOPE * (raw - BIAS)))
        is_complaint = score >= self.threshold
        hazard = bool(counts["hazard"]) and not counts["ad"]
        return Appeal(is_complaint, round(score, 4), _appeal_type(is_complaint, counts), hazard)


def _appeal_type(is_complaint: bool, counts: dict[str, int]) -> AppealType:
    if is_complaint:
        if counts["help"]:
            return "help"
        if (counts["report"] or counts["hazard"]) and counts["report"] + counts["hazard"] >= counts["appeal"]:
            return "report"
        return "complaint"
    if counts["ad"] or counts["chatter"] > counts["suggestion"] + counts["consultation"]:
        return "none"
    if counts["suggestion"] and counts["suggestion"] >= counts["consultation"]:
        return "suggestion"
    if counts["consultation"]:
        return "consultation"
    return "none"


def load_cues(path: Path) -> dict[str, list[str]]:
    """Read a cue YAML ({group: [phrases]}); one-line errors name the file."""
    data = read_yaml(path, "cue file") or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping of cue groups")
    unknown = set(data) - set(GROUPS)
    if unknown:
        raise DataFileError(f"{path}: unknown cue group(s) {', '.join(sorted(unknown))}")
    return {g: [str(p) for p in data.get(g) or []] for g in GROUPS}
