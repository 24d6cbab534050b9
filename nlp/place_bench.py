"""Place finding on a gazetteer the tagger was never tuned on, for `minsheng bench` (suite "places").

``nlp/data/eval/`` holds a gazetteer of 绍兴市 越城区/柯桥区 and 220 short posts
written against it: 140 about its places (full names, aliases, ambiguous names with
deciding context) and 80 about roads, junctions, compounds and addresses it lacks.
Figures: posts placed on the right entry, gazetteer mentions resolved to the right
entry, and mentions outside the gazetteer still returned as spans (issue 5 targets:
≥ 90% and ≥ 85%).
"""
from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from nlp.config import NlpConfig
from nlp.evaluate import evaluate_file, span_found
from nlp.schema import TagInput
from nlp.tagger import Tagger

EVAL_DIR = Path(__file__).resolve().parent / "data" / "eval"
GAZETTEER = EVAL_DIR / "shaoxing_gazetteer.csv"
POSTS = EVAL_DIR / "shaoxing_places.jsonl"


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
                   jurisdiction: str = "绍兴市") -> dict[str, Any]:
    tagger = Tagger(NlpConfig(jurisdiction=jurisdiction), gazetteer, {}, cache_dir)
    tagger.initialize()
    summary = evaluate_file(posts, tagger).summary()
    names = gazetteer_names(gazetteer)
    known = {"n": 0, "right": 0}
    outside = {"n": 0, "found": 0}
    for line in posts.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        locations = tagger.tag(TagInput(text=row["text"])).locations
        for span in row.get("spans", []):
            ids = names.get(span)
            if ids is None:  # not a gazetteer name: only finding the span is asked
                outside["n"] += 1
                outside["found"] += span_found(span, [loc.text for loc in locations])
                continue
            # An ambiguous name is right only as the entry the post is about.
            wanted = {row["place"]} if row.get("place") in ids else ids
            known["n"] += 1
            known["right"] += any(loc.resolved is not None and loc.resolved.id in wanted
                                  and span_found(span, [loc.text]) for loc in locations)
    return {"posts": summary["lines"], "place": summary["place"], "spans": summary["spans"],
            "known_mentions": known["n"], "known_resolved": known["right"] / known["n"] if known["n"] else 0.0,
            "outside_mentions": outside["n"],
            "outside_found": outside["found"] / outside["n"] if outside["n"] else 0.0}


def bench_places(ctx: Any) -> Any:
    from api.cli.bench import Figure, Section  # noqa: PLC0415  (the CLI owns the report format)

    result = measure_places(ctx.work_dir / "places-cache")
    section = Section("Places on an unseen gazetteer (绍兴市 越城区/柯桥区)")
    section.figures += [
        Figure("posts placed on the right entry", 100 * result["place"]["accuracy"], "%"),
        Figure(f"gazetteer mentions resolved right ({result['known_mentions']})", 100 * result["known_resolved"],
               "%", None, "", "≥ 90 %", result["known_resolved"] >= 0.90),
        Figure(f"mentions outside the gazetteer returned as spans ({result['outside_mentions']})",
               100 * result["outside_found"], "%", None, "", "≥ 85 %", result["outside_found"] >= 0.85),
        Figure("span precision", 100 * result["spans"]["precision"], "%"),
    ]
    section.notes.append(f"`nlp/data/eval/`: {result['posts']} posts written by the team against a gazetteer of "
                         "another city, after the extractor was built. Its first run missed 19% of the outside "
                         "mentions (80.9%); the misses led to four general fixes (路上/公寓楼 glued to a suffix, "
                         "house numbers after an everyday road word, 那个交叉口, 梧桐里-style names), so these "
                         "figures are somewhat optimistic.")
    return section
