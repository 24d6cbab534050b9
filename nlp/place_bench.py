"""Place finding on gazetteers the tagger was not built on, for `minsheng bench` (suite "places").

``nlp/data/eval/`` holds thirteen cities' gazetteers (苏州 姑苏/吴中, 南京 鼓楼/秦淮, 重庆
渝中/江北, 无锡 梁溪/滨湖, 西安 雁塔/碑林, 武汉 武昌/洪山, 北京 朝阳/海淀, 广州 天河/越秀,
成都 武侯/锦江, 天津 河西/南开, 合肥 蜀山/包河, 宁波 海曙/鄞州, 绍兴 越城/柯桥) and 200–240
posts written against each: posts about their places (full names, aliases, ambiguous
names with deciding context), about roads, junctions, compounds and addresses they
lack, and posts with no place. Figures: posts placed on the right entry, gazetteer
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


# (file stem, jurisdiction, what the set says about generalisation)
EVAL_SETS = (
    ("suzhou", "苏州市", "written blind after all the fixes and never tuned on: keep it that way, it is the honest one"),
    ("nanjing", "南京市", "written blind after all of the second round's fixes; never read, a holdout like 苏州"),
    ("chongqing", "重庆市", "written blind after all of the second round's fixes; never read, a holdout like 苏州"),
    ("wuxi", "无锡市", "written blind after the 苏州 set; its first run (74.5 %) fell short, its misses led to "
                     "roads named with everyday nouns and compound names jieba splits"),
    ("xian", "西安市", "written blind after the 北京/广州 fixes: first run 50.5 % (十字 crossings, 家属院)"),
    ("wuhan", "武汉市", "written blind after the 北京/广州 fixes: first run 67.3 %"),
    ("beijing", "北京市", "written blind after the 成都/天津 fixes: first run 57.9 % (胡同, XX里, compounds without suffix)"),
    ("guangzhou", "广州市", "written blind after the 成都/天津 fixes: first run 69.1 %"),
    ("chengdu", "成都市", "written blind after the 无锡 fixes: first run 65.7 % (roads in 段, compounds without suffix)"),
    ("tianjin", "天津市", "written blind after the 无锡 fixes: first run 45.3 % (roads in 道, compounds in 里, 交口)"),
    ("hefei", "合肥市", "written blind after the Ningbo fixes; its misses led to the context-gated compounds"),
    ("ningbo", "宁波市", "written blind; its misses led to the junction, road-prefix and gate fixes"),
    ("shaoxing", "绍兴市", "the first set; its misses led to earlier fixes"),
)
# First runs of each set, before any fix it prompted (outside-gazetteer spans found, gazetteer
# mentions resolved right): the only figures here that no tuning has seen.
FIRST_RUNS = {"suzhou": (85.7, 100.0), "nanjing": (79.2, 95.1), "chongqing": (71.3, 98.8), "wuxi": (74.5, 98.2),
              "chengdu": (65.7, 98.9), "tianjin": (45.3, 97.4), "beijing": (57.9, 98.8), "guangzhou": (69.1, 100.0),
              "xian": (50.5, 98.9), "wuhan": (67.3, 97.8), "hefei": (78.0, 97.8), "ningbo": (76.7, 99.5),
              "shaoxing": (80.9, None)}


def bench_places(ctx: Any) -> Any:
    from api.cli.bench import Figure, Section  # noqa: PLC0415  (the CLI owns the report format)

    section = Section("Places on unseen gazetteers (13 cities)")
    for stem, jurisdiction, _ in EVAL_SETS:
        result = measure_places(ctx.work_dir / "places-cache", EVAL_DIR / f"{stem}_gazetteer.csv",
                                EVAL_DIR / f"{stem}_places.jsonl", jurisdiction)
        section.figures += [
            Figure(f"{stem}: posts placed on the right entry", 100 * result["place"]["accuracy"], "%"),
            Figure(f"{stem}: gazetteer mentions resolved right ({result['known_mentions']})",
                   100 * result["known_resolved"], "%", None, "", "≥ 90 %", result["known_resolved"] >= 0.90),
            Figure(f"{stem}: mentions outside the gazetteer returned as spans ({result['outside_mentions']})",
                   100 * result["outside_found"], "%", None, "", "≥ 85 %", result["outside_found"] >= 0.85),
            Figure(f"{stem}: span precision", 100 * result["spans"]["precision"], "%"),
        ]
    section.notes.append("`nlp/data/eval/`: thirteen sets of 200–240 posts, each written by a helper who had not "
                         "read the extractor, against a gazetteer of another city. "
                         + "; ".join(f"{stem} ({jurisdiction}): {why}" for stem, jurisdiction, why in EVAL_SETS)
                         + ". Every set but 苏州, 南京 and 重庆 was tuned on once measured, so their figures are "
                         "optimistic; the misses of those three have never been read, so theirs are the honest ones. "
                         "First runs, before the fixes each prompted (outside spans found / gazetteer mentions "
                         "resolved): " + ", ".join(
                             f"{stem} {out:.1f} %" + (f" / {known:.1f} %" if known is not None else "")
                             for stem, (out, known) in FIRST_RUNS.items()) + ".")
    return section
