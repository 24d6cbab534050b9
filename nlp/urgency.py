"""Urgency: high for danger to people now, low for suggestions and questions."""
from __future__ import annotations

from pathlib import Path

from nlp.datafiles import DataFileError, read_yaml
from nlp.phrases import PhraseSet
from nlp.schema import AppealType, Urgency

CUES = Path(__file__).resolve().parent / "data" / "urgency.yaml"
# Appeals that ask for action; the others (suggestion, consultation, none) can wait.
ACTIONABLE: frozenset[str] = frozenset({"complaint", "help", "report"})


class UrgencyRules:
    """Danger phrases and two-part combos (讨薪 + 聚集) from ``nlp/data/urgency.yaml``."""

    def __init__(self, path: Path = CUES) -> None:
        data = read_yaml(path, "urgency cue file") or {}
        high = data.get("high") if isinstance(data, dict) else None
        if not isinstance(high, dict):
            raise DataFileError(f"{path}: expected a 'high:' mapping with 'any' and 'combos'")
        self._danger = PhraseSet(high.get("any") or [])
        self._combos: list[tuple[PhraseSet, PhraseSet]] = []
        for number, combo in enumerate(high.get("combos") or [], start=1):
            if not (isinstance(combo, list) and len(combo) == 2):
                raise DataFileError(f"{path}: high.combos #{number}: expected [[words], [words]]")
            self._combos.append((PhraseSet(combo[0]), PhraseSet(combo[1])))

    def dangers(self, text: str) -> list[str]:
        """The danger evidence found: single phrases and matched combos (A+B)."""
        found = sorted(self._danger.hits(text))
        for first, second in self._combos:
            a, b = first.findall(text), second.findall(text)
            if a and b:
                found.append(f"{a[0]}+{b[0]}")
        return found

    def assess(self, text: str, appeal_type: AppealType) -> Urgency:
        if appeal_type not in ACTIONABLE:
            return "low"
        return "high" if self.dangers(text) else "normal"
