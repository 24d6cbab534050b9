"""Place finding on gazetteers the tagger was not built on, for `minsheng bench` (suite "places").

``nlp/data/eval/`` holds the gazetteers of two districts each of many cities and 200–240
posts written against each (nlp.place_sets): posts about their places (full names,
aliases, ambiguous names with deciding context), about roads, junctions, compounds and
addresses they lack, and posts with no place. Figures: posts placed on the right entry, gazetteer
mentions resolved to the right entry, and mentions outside the gazetteer still
returned as spans (issue 5 targets: ≥ 90% and ≥ 85%).
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from nlp.config import NlpConfig
from nlp.evaluate import evaluate_file, span_found
from nlp.place_sets import EVAL_DIR, PLACE_SETS
from nlp.schema import TagInput
from nlp.tagger import Tagger

GAZETTEER = EVAL_DIR / "shaoxing_gazetteer.csv"
POSTS = EVAL_DIR / "shaoxing_places.jsonl"
# The kinds of outside-gazetteer mention issue 5's ≥ 85 % target is about; each set's
# ``types`` (written by hand beside its spans) says which mentions those are. POIs,
# addresses and informal area names are still counted in the all-outside figure.
TARGET_TYPES = frozenset({"road", "intersection", "compound"})


def gazetteer_names(path: Path) -> dict[str, set[str]]:
    """Every name and alias → the ids of the entries that carry it."""
    names: dict[str, set[str]] = defaultdict(set)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for name in [row["name"], *(row.get("aliases") or "").split("|")]:
                if name.strip():
                    names[name.strip()].add(row["id"])
    return names


def measure_places(cache_dir: Path, gazetteer: Path = GAZETTEER, posts: Path = POSTS,
                   jurisdiction: str = "绍兴市", learned: bool = True) -> dict[str, Any]:
    """``learned``: with the learned place tagger (nlp.span_model) or the rules alone."""
    tagger = Tagger(NlpConfig(jurisdiction=jurisdiction, use_place_model=learned), gazetteer, {}, cache_dir)
    tagger.initialize()
    summary = evaluate_file(posts, tagger).summary()
    names = gazetteer_names(gazetteer)
    known = {"n": 0, "right": 0}
    outside = {"n": 0, "found": 0}
    shaped = {"n": 0, "found": 0}  # the outside mentions the target counts
    for line in posts.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        locations = tagger.tag(TagInput(text=row["text"])).locations
        for span in row.get("spans", []):
            ids = names.get(span)
            if ids is None:  # not a gazetteer name: only finding the span is asked
                found = span_found(span, [loc.text for loc in locations])
                outside["n"] += 1
                outside["found"] += found
                if (row.get("types") or {}).get(span) in TARGET_TYPES:
                    shaped["n"] += 1
                    shaped["found"] += found
                continue
            # An ambiguous name is right only as the entry the post is about.
            wanted = {row["place"]} if row.get("place") in ids else ids
            known["n"] += 1
            known["right"] += any(loc.resolved is not None and loc.resolved.id in wanted
                                  and span_found(span, [loc.text]) for loc in locations)
    return {"posts": summary["lines"], "place": summary["place"], "spans": summary["spans"],
            "known_mentions": known["n"], "known_resolved": known["right"] / known["n"] if known["n"] else 0.0,
            "outside_mentions": outside["n"],
            "outside_found": outside["found"] / outside["n"] if outside["n"] else 0.0,
            "shaped_mentions": shaped["n"],
            "shaped_found": shaped["found"] / shaped["n"] if shaped["n"] else 0.0}


def bench_places(ctx: Any) -> Any:
    from api.cli.bench import Figure, Section  # noqa: PLC0415  (the CLI owns the report format)

    section = Section(f"Places on unseen gazetteers ({len(PLACE_SETS)} cities)")
    cache = ctx.work_dir / "places-cache"
    for place_set in sorted(PLACE_SETS, key=lambda s: s.trained):  # holdouts first
        paths = (EVAL_DIR / f"{place_set.stem}_gazetteer.csv", EVAL_DIR / f"{place_set.stem}_places.jsonl")
        learned = measure_places(cache, *paths, place_set.jurisdiction)
        rules = measure_places(cache, *paths, place_set.jurisdiction, learned=False)
        name = place_set.stem + ("" if place_set.trained else " (holdout)")
        section.figures += [
            Figure(f"{name}: posts placed on the right entry", 100 * learned["place"]["accuracy"], "%"),
            Figure(f"{name}: gazetteer mentions resolved right ({learned['known_mentions']})",
                   100 * learned["known_resolved"], "%", 100 * rules["known_resolved"], "rules alone",
                   "≥ 90 %", learned["known_resolved"] >= 0.90),
            Figure(f"{name}: roads, junctions and compounds outside the gazetteer returned as spans "
                   f"({learned['shaped_mentions']})", 100 * learned["shaped_found"], "%",
                   100 * rules["shaped_found"], "rules alone", "≥ 85 %", learned["shaped_found"] >= 0.85),
            Figure(f"{name}: all mentions outside the gazetteer returned as spans ({learned['outside_mentions']})",
                   100 * learned["outside_found"], "%", 100 * rules["outside_found"], "rules alone"),
            Figure(f"{name}: span precision", 100 * learned["spans"]["precision"], "%",
                   100 * rules["spans"]["precision"], "rules alone"),
        ]
    section.notes.append(
        "`nlp/data/eval/` (see `nlp/place_sets.py`): sets of 200–240 posts, each written by a helper who had not "
        "read the extractor, against a gazetteer of about 100 places of a real city, with each mention's type "
        "written by hand. The ≥ 85 % target is about roads, junctions and compounds outside the gazetteer; the "
        "all-outside figure also counts POIs, house-number addresses and informal area names (城中村, 片区). The "
        "learned place tagger (`nlp/models/places`, `minsheng train --kind places`) is trained on every set not "
        "marked holdout, and the rules were tuned on them, so only the holdouts' figures are honest. Baseline: the "
        "same tagger with the learned place tagger switched off (`nlp.use_place_model: false`), in the same run. "
        "First runs of each set, rules alone, before anything was tuned on it (all outside mentions found / "
        "gazetteer mentions resolved): "
        + ", ".join(f"{s.stem} {s.first_run[0]:.1f} %" + (f" / {s.first_run[1]:.1f} %" if s.first_run[1] else "")
                    for s in PLACE_SETS) + ".")
    return section
