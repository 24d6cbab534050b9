"""Tagger evaluation: pure metric functions and ``minsheng eval nlp --data FILE.jsonl``.

The data file holds one labelled post per line: ``text`` (required), optional
``title``/``area``/``context`` (passed to the tagger like a crawled post), and any of
``is_complaint`` (bool), ``level1``, ``level3`` (category names), ``place`` (the
expected place's gazetteer id or name) and ``spans`` (the place mentions a tagger
should return, in or out of the gazetteer). Each field is scored over the lines
that carry it.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from nlp.schema import TagInput, Tags


class EvalDataError(ValueError):
    """A data file problem, worded as one line naming the file and line."""


class Tagging(Protocol):
    def tag(self, post: TagInput) -> Tags: ...


@dataclass(frozen=True, slots=True)
class ClassScore:
    precision: float
    recall: float
    f1: float
    support: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def precision_recall_f1(gold: Sequence[Hashable], pred: Sequence[Hashable],
                        positive: Hashable = True) -> tuple[float, float, float]:
    """Precision, recall and F1 of one class; 0.0 where a ratio has nothing to divide by."""
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but pred has {len(pred)}")
    tp = sum(1 for g, p in zip(gold, pred) if g == positive and p == positive)
    predicted = sum(1 for p in pred if p == positive)
    actual = sum(1 for g in gold if g == positive)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    return precision, recall, _f1(precision, recall)


def per_class(gold: Sequence[Hashable], pred: Sequence[Hashable],
              labels: Sequence[Hashable] | None = None) -> dict[Hashable, ClassScore]:
    """Scores per class, for ``labels`` or else every class seen in gold or pred."""
    if labels is None:
        labels = sorted(set(gold) | set(pred), key=str)
    support = Counter(gold)
    scores = {}
    for label in labels:
        p, r, f = precision_recall_f1(gold, pred, label)
        scores[label] = ClassScore(p, r, f, support[label])
    return scores


def macro_f1(gold: Sequence[Hashable], pred: Sequence[Hashable],
             labels: Sequence[Hashable] | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels``, by default the classes the gold labels use.

    The TipDM-cup formula, F = 1/n Σ 2·P·R/(P+R) over the n labelled classes. A file that
    labels part of the taxonomy (the cup's data uses 7 of its 15 first-level classes) would
    otherwise score every class the tagger may answer but the file never uses as an F1 of
    0, so the figure would measure the taxonomy's size rather than the tagger. Answers in
    those classes are still mistakes: each lowers the recall of its gold class.
    """
    scores = per_class(gold, pred, sorted(set(gold), key=str) if labels is None else labels)
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def accuracy(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> float:
    if len(gold) != len(pred):
        raise ValueError(f"gold has {len(gold)} items but pred has {len(pred)}")
    return sum(1 for g, p in zip(gold, pred) if g == p) / len(gold) if gold else 0.0


def span_found(gold: str, predicted: Sequence[str]) -> bool:
    """A gold mention counts as found when a returned span is it, holds it, or is most of it."""
    return any(gold in p or (p in gold and 3 * len(p) >= 2 * len(gold)) for p in predicted)


def span_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> dict[str, float]:
    """Mention recall and precision over posts (each post's gold list against its predicted list)."""
    wanted = sum(len(g) for g in gold)
    returned = sum(len(p) for p in pred)
    found = sum(1 for g, p in zip(gold, pred) for span in g if span_found(span, p))
    right = sum(1 for g, p in zip(gold, pred) for span in p if any(span_found(x, [span]) for x in g))
    return {"n": wanted, "recall": found / wanted if wanted else 0.0,
            "precision": right / returned if returned else 0.0}


def confusion(gold: Sequence[Hashable], pred: Sequence[Hashable]) -> Counter[tuple[Hashable, Hashable]]:
    """(gold, predicted) → count."""
    return Counter(zip(gold, pred))


def render_confusion(table: Counter[tuple[Hashable, Hashable]], limit: int = 12) -> str:
    """The most frequent mistakes, one per line: ``gold → predicted  count``."""
    mistakes = [(pair, n) for pair, n in table.most_common() if pair[0] != pair[1]][:limit]
    return "\n".join(f"  {g} → {p}  {n}" for (g, p), n in mistakes) or "  (none)"


# -- evaluating a tagger on a labelled file ------------------------------------------
FIELDS = ("is_complaint", "level1", "level3", "place")


@dataclass
class EvalReport:
    """Gold and predicted values per field, over the lines that label that field."""

    path: str
    lines: int = 0
    gold: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    pred: dict[str, list[Any]] = field(default_factory=lambda: {f: [] for f in FIELDS})
    gold_spans: list[list[str]] = field(default_factory=list)
    pred_spans: list[list[str]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """Numbers per labelled field (JSON-friendly)."""
        out: dict[str, Any] = {"path": self.path, "lines": self.lines}
        gold, pred = self.gold, self.pred
        if gold["is_complaint"]:
            p, r, f = precision_recall_f1(gold["is_complaint"], pred["is_complaint"], True)
            out["is_complaint"] = {"n": len(gold["is_complaint"]), "precision": p, "recall": r, "f1": f,
                                   "accuracy": accuracy(gold["is_complaint"], pred["is_complaint"])}
        for name in ("level1", "level3"):
            if gold[name]:
                out[name] = {"n": len(gold[name]), "accuracy": accuracy(gold[name], pred[name]),
                             "macro_f1": macro_f1(gold[name], pred[name])}
        if gold["place"]:
            out["place"] = {"n": len(gold["place"]),
                            "accuracy": sum(1 for g, p in zip(gold["place"], pred["place"]) if g in p[:2])
                            / len(gold["place"]),
                            "within": sum(1 for g, p in zip(gold["place"], pred["place"]) if g in p)
                            / len(gold["place"])}
        if self.gold_spans:
            out["spans"] = span_scores(self.gold_spans, self.pred_spans)
        return out


def _place_names(tags: Tags) -> tuple[str, ...]:
    # (id, name) first: an exact hit; then the enclosing areas: "within" the expected one.
    place = tags.place
    if place is None:
        return ()
    return tuple(x for x in (place.id, place.name, place.community, place.street,
                             place.district, place.city) if x)


def _parse(path: Path, number: int, line: str) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise EvalDataError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise EvalDataError(f"{path}:{number}: expected an object with a string 'text'")
    if "is_complaint" in row and not isinstance(row["is_complaint"], bool):
        raise EvalDataError(f"{path}:{number}: is_complaint must be true or false")
    spans = row.get("spans")
    if spans is not None and not (isinstance(spans, list) and all(isinstance(x, str) for x in spans)):
        raise EvalDataError(f"{path}:{number}: spans must be a list of strings")
    return row


def evaluate_file(path: Path, tagger: Tagging) -> EvalReport:
    """Tag every line of a labelled JSONL file and collect gold/predicted pairs."""
    path = Path(path)
    if not path.is_file():
        raise EvalDataError(f"{path}: data file not found")
    report = EvalReport(str(path))
    with path.open(encoding="utf-8") as handle:
        rows = [(n, _parse(path, n, line)) for n, line in enumerate(handle, 1) if line.strip()]
    if not rows:
        raise EvalDataError(f"{path}: no labelled lines")
    for _, row in rows:
        tags = tagger.tag(TagInput(title=row.get("title") or "", text=row["text"],
                                   area=row.get("area"), context=row.get("context")))
        report.lines += 1
        predicted = {"is_complaint": tags.is_complaint, "level1": tags.category.level1,
                     "level3": (tags.category.level1, tags.category.level2, tags.category.level3)
                     if isinstance(row.get("level3"), list) else tags.category.level3,
                     "place": _place_names(tags)}
        for name in FIELDS:
            if row.get(name) is not None:
                gold = tuple(row[name]) if isinstance(row[name], list) else row[name]
                report.gold[name].append(gold)
                report.pred[name].append(predicted[name])
        if row.get("spans") is not None:
            report.gold_spans.append(list(row["spans"]))
            report.pred_spans.append([location.text for location in tags.locations])
    return report


def render_report(report: EvalReport) -> str:
    """A plain-text report for the terminal."""
    numbers = report.summary()
    lines = [f"{report.path}: {report.lines} labelled posts"]
    if "is_complaint" in numbers:
        c = numbers["is_complaint"]
        lines.append(f"投诉 (is_complaint)  n={c['n']}  P={c['precision']:.3f}  R={c['recall']:.3f}  "
                     f"F1={c['f1']:.3f}  acc={c['accuracy']:.3f}")
    for name, title in (("level1", "一级分类 (level1)"), ("level3", "三级分类 (level3)")):
        if name in numbers:
            c = numbers[name]
            lines.append(f"{title}  n={c['n']}  macro-F1={c['macro_f1']:.3f}  acc={c['accuracy']:.3f}")
    if "level1" in numbers:
        lines.append("一级分类 per class (P / R / F1 / n; macro-F1 averages the classes with n > 0):")
        for label, s in per_class(report.gold["level1"], report.pred["level1"]).items():
            lines.append(f"  {label}  {s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f} / {s.support}")
        outside = sum(1 for p in report.pred["level1"] if p not in set(report.gold["level1"]))
        if outside:
            lines.append(f"  {outside} posts were put in a class the file never labels (counted as mistakes)")
        lines.append("most frequent level1 mistakes (gold → predicted):")
        lines.append(render_confusion(confusion(report.gold["level1"], report.pred["level1"])))
    if "place" in numbers:
        c = numbers["place"]
        lines.append(f"地点 (place)  n={c['n']}  exact={c['accuracy']:.3f}  within={c['within']:.3f}")
    if "spans" in numbers:
        c = numbers["spans"]
        lines.append(f"地点提及 (spans)  n={c['n']}  recall={c['recall']:.3f}  precision={c['precision']:.3f}")
    return "\n".join(lines)


def eval_command(tagger: Tagging, path: Path) -> str:
    """What ``minsheng eval nlp --data FILE`` prints; raises EvalDataError on bad input."""
    return render_report(evaluate_file(Path(path), tagger))
