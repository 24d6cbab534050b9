"""``minsheng train --kind ngram``: labels ⨝ shared texts → the fixed dev split → n-gram fit → metrics.

Uses the recorded topic-held-out split (nlp/data/labels/dev_ids.txt, train_ids.txt;
see ``nlp.training.split``) that the BERT run uses too, so the figures compare like
for like; labels added since are placed by topic group and the files extended. The
checkpoint is written beside the output and swapped in at the end, so a failed run
keeps the model in use.
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nlp.appeal import LexiconComplaintModel
from nlp.blend import LEXICON_WEIGHT
from nlp.category import LexiconCategoryModel
from nlp.ngram import DEFAULT_BUCKETS, NgramClassifier
from nlp.taxonomy import Taxonomy
from nlp.training.blend_weight import SCALES, pick_lexicon_weight
from nlp.training.compare import best_mode, compare_modes, complaint_scores
from nlp.training.corpus import (LABELS_DIR, REPO, SHARED_DIR, WRITTEN, CorpusError, Example, dev_keys_hash,
                                 join_labels, load_labels, load_messages, load_written, shared_available,
                                 split_written)
from nlp.training.finetune import head_values
from nlp.training.ngram_fit import fit_ngram
from nlp.training.reporting import Reporter, publish_checkpoint
from nlp.training.split import recorded_split

HEADS = ["level1", "complaint", "appeal"]


class NgramOptions(BaseModel):
    """Paths and knobs for one n-gram training run (the defaults are the shipped model's)."""

    model_config = ConfigDict(extra="forbid")

    shared_dir: Path = SHARED_DIR
    labels: list[Path] | None = None
    taxonomy: Path | None = None
    output: Path = REPO / "nlp" / "models" / "default"
    dev_ids: Path = LABELS_DIR / "dev_ids.txt"
    written: Path = WRITTEN
    # Board-style messages the team wrote for the five thinnest categories (nlp/data/labels/
    # written_messages.jsonl). Off: on the dev set they lifted the blend's L1 macro-F1 only
    # from 0.737 to 0.742 and cost short-post complaint F1 0.853 → 0.835.
    written_messages: Path | None = None
    # Figures of other checkpoints (e.g. the small BERT) copied into metrics.json for comparison.
    reference_metrics: list[Path] = Field(default_factory=lambda: [REPO / "nlp" / "models" / "bert" / "metrics.json"])
    dev_fraction: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 7
    buckets: int = Field(default=DEFAULT_BUCKETS, ge=1024)
    epochs: int = Field(default=200, ge=1)  # full-batch steps
    lr: float = Field(default=0.05, gt=0)
    l2: float = Field(default=1e-4, ge=0)
    # Term frequency as 1 + log(count) instead of the raw count (raw scored better here).
    sublinear_tf: bool = False
    # Loss weight of a written post against a message: they stand for the short replies
    # and comments the monitor mostly reads, of which the message board has none.
    written_weight: float = Field(default=4.0, gt=0)
    # Folds for choosing the blend's lexicon weight on the training labels (1: keep the default).
    weight_folds: int = Field(default=3, ge=1)


def _references(paths: list[Path], dev_keys: list[str]) -> dict:
    """Other checkpoints' dev figures, only when they were measured on this very dev set."""
    references = {}
    for path in paths:
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # a missing reference only means less to compare against
        if "dev" not in metrics or metrics.get("dev_keys_hash") != dev_keys_hash(dev_keys):
            continue  # figures on another dev set would not compare like for like
        references[path.parent.name] = metrics["dev"]
    return references



def train_ngram(options: NgramOptions, progress: bool | None = None) -> dict:
    """Fit, evaluate lexicon / n-gram / blend on dev, save; returns {output_dir, metrics}."""
    started = time.monotonic()
    report = Reporter(sys.stderr.isatty() if progress is None else progress)
    if not shared_available(options.shared_dir):
        raise CorpusError(f"{options.shared_dir}: shared messages not found; training needs the real texts")
    taxonomy = Taxonomy.load(options.taxonomy)
    messages = load_messages(options.shared_dir)
    examples = join_labels(load_labels(options.labels), messages)
    train, dev = recorded_split(examples, messages, options.dev_ids, options.dev_fraction, options.seed)
    if not train or not dev:
        raise CorpusError(f"{len(examples)} labelled messages fall into too few topic groups to hold out a dev set")
    written_train, written_dev = split_written(load_written(options.written))
    # Keyed "board:", so weighted like real messages (the written weight is for short posts).
    board = load_written(options.written_messages, prefix="board") if options.written_messages else []
    heads = head_values(taxonomy, HEADS)
    lexicon = LexiconCategoryModel(taxonomy)

    def fit(examples: list[Example], on_step: Any = None) -> tuple[NgramClassifier, dict]:
        weights = [options.written_weight if e.key.startswith("written:") else 1.0 for e in examples]
        return fit_ngram(examples, heads, options.buckets, options.epochs, lr=options.lr, l2=options.l2,
                         seed=options.seed, on_step=on_step, example_weights=weights,
                         sublinear=options.sublinear_tf)

    weight, scale, weight_curve = LEXICON_WEIGHT, None, {}
    if options.weight_folds > 1:
        with report.task("lexicon weight and scale, cross-validated") as step:
            weight, scale, weight_curve = pick_lexicon_weight(train + written_train + board, lambda e: fit(e)[0],
                                                              lexicon, taxonomy,
                                                              options.weight_folds,
                                                              on_fold=lambda done, total: step(done, total, 0.0),
                                                              scales=SCALES)
    with report.task("n-gram training") as step:
        classifier, summary = fit(train + written_train + board, on_step=step)
    if scale is not None:
        classifier.scale = scale
    results = compare_modes(dev, classifier, taxonomy, lexicon, LexiconComplaintModel(), weight)
    written = complaint_scores(written_dev, classifier, taxonomy, lexicon, LexiconComplaintModel(), weight)
    mode = best_mode(results)
    metrics = {
        "kind": "ngram",
        "data": {"labelled": len(examples), "train": len(train), "dev": len(dev),
                 "written_train": len(written_train), "written_dev": len(written_dev), "written_messages": len(board)},
        "options": json.loads(options.model_dump_json(include={"seed", "buckets", "epochs", "lr", "l2", "sublinear_tf",
                                                                    "written_weight"})),
        "training": summary, "dev": results, "written_dev": written, "default_mode": mode,
        "lexicon_weight": weight, "score_scale": classifier.scale,
        "lexicon_weight_cv_level1_macro_f1": weight_curve,
        "dev_keys_hash": dev_keys_hash([e.key for e in dev]),
        "reference_dev": _references(options.reference_metrics, [e.key for e in dev]),
        "training_seconds": round(time.monotonic() - started, 1),
    }
    staging = options.output.with_name(options.output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    classifier.save(staging, mode, {"minsheng_lexicon_weight": weight})
    metrics["size_bytes"] = sum(p.stat().st_size for p in staging.iterdir())
    publish_checkpoint(staging, options.output, metrics)
    report.note(f"saved {options.output} (default mode: {mode})")
    return {"output_dir": str(options.output), "metrics": metrics}
