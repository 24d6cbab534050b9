"""``minsheng train``: labels ⨝ shared texts → topic split → vocabulary → MLM → heads → metrics.

The entry point is :func:`train`. It writes the checkpoint (tokenizer, config.json,
model.safetensors, metrics.json) to a fresh folder beside the output and swaps it in
only at the end, so a failed or interrupted run never destroys the model in use.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import torch
from pydantic import BaseModel, ConfigDict, Field
from transformers.utils import logging as transformers_logging

from nlp.appeal import LexiconComplaintModel
from nlp.bench import cpu_model
from nlp.category import LexiconCategoryModel
from nlp.model import TransformerClassifier
from nlp.taxonomy import Taxonomy
from nlp.training.blend_weight import weight_curve
from nlp.training.compare import best_mode, compare_modes
from nlp.training.corpus import (LABELS_DIR, REPO, SHARED_DIR, CorpusError, dev_keys_hash, join_labels,
                                 load_labels, load_messages, shared_available)
from nlp.training.finetune import classifier_from, finetune, head_values
from nlp.training.pretrain import ModelShape, pretrain
from nlp.training.reporting import Reporter, measure_throughput, publish_checkpoint
from nlp.training.split import message_groups, recorded_split
from nlp.training.vocab import build_vocab, save_tokenizer


class TrainOptions(BaseModel):
    """Paths and knobs for one training run (the defaults are the shipped model's)."""

    model_config = ConfigDict(extra="forbid")

    shared_dir: Path = SHARED_DIR
    labels: list[Path] | None = None  # None: nlp/data/labels/labels_*.jsonl
    taxonomy: Path | None = None
    output: Path = REPO / "nlp" / "models" / "bert"
    dev_ids: Path = LABELS_DIR / "dev_ids.txt"
    dev_fraction: float = Field(default=0.2, gt=0, lt=1)
    seed: int = 7
    min_char_freq: int = Field(default=3, ge=1)
    layers: int = Field(default=2, ge=1)
    hidden: int = Field(default=128, ge=16)
    attention_heads: int = Field(default=2, ge=1)
    intermediate: int = Field(default=512, ge=16)
    # Fine-tuning and inference read the first max_length characters (title first): 64
    # keeps the model's share of the tagger's per-post budget small; pre-training packs
    # longer windows so the encoder also learns positions beyond that.
    max_length: int = Field(default=64, ge=16)
    pretrain_length: int = Field(default=128, ge=16)
    heads: list[str] = Field(default_factory=lambda: ["level1", "complaint", "level2", "appeal"])
    pretrain_epochs: float = Field(default=1.5, ge=0)
    pretrain_batch: int = 64
    pretrain_lr: float = 1e-3
    # The dev topics' texts stay out of pre-training too, so dev measures unseen issues.
    pretrain_on_dev: bool = False
    finetune_epochs: int = Field(default=15, ge=1)
    finetune_batch: int = 32
    finetune_lr: float = 4e-4
    ablation: bool = False  # also fine-tune without pre-training and record both
    threads: int = Field(default=2, ge=1)
    time_budget: float = Field(default=15 * 60, gt=0)  # seconds for MLM pre-training at most


def _machine() -> dict:
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "torch": torch.__version__, "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}


def train(options: TrainOptions, progress: bool | None = None) -> dict:
    """Train, evaluate on the topic-held-out dev set, save; returns {output_dir, metrics}."""
    started, cpu_started = time.monotonic(), time.process_time()
    report = Reporter(sys.stderr.isatty() if progress is None else progress)
    transformers_logging.disable_progress_bar()  # our own bars, or silence in pipes
    torch.set_num_threads(options.threads)
    if not shared_available(options.shared_dir):
        raise CorpusError(f"{options.shared_dir}: shared messages not found; training needs the real texts")
    taxonomy = Taxonomy.load(options.taxonomy)
    messages = load_messages(options.shared_dir)
    examples = join_labels(load_labels(options.labels), messages)
    report.note(f"{len(messages)} messages, {len(examples)} labelled; grouping topics")
    group_of = message_groups(messages)
    train_set, dev_set = recorded_split(examples, messages, options.dev_ids, options.dev_fraction, options.seed,
                                        group_of)
    if not dev_set or not train_set:
        raise CorpusError(f"{len(examples)} labelled messages fall into too few topic groups to hold out a dev set")
    dev_groups = {group_of[e.key] for e in dev_set}
    corpus = [m.content for m in messages if options.pretrain_on_dev or group_of[m.key] not in dev_groups]

    shape = ModelShape(options.layers, options.hidden, options.attention_heads, options.intermediate,
                       max(options.max_length, options.pretrain_length))
    staging = options.output.with_name(options.output.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    tokenizer = save_tokenizer(build_vocab(corpus, options.min_char_freq), staging, options.max_length)
    special = {t: tokenizer.convert_tokens_to_ids(t) for t in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")}
    encoder, pretrain_summary = None, {"skipped": True}
    if options.pretrain_epochs > 0:
        # The raw tokenizer: no special tokens, and no warning about over-long texts.
        ids = [e.ids for e in tokenizer.backend_tokenizer.encode_batch(corpus, add_special_tokens=False)]
        with report.task("MLM pre-training") as step:
            encoder, pretrain_summary = pretrain(ids, len(tokenizer), special, shape, options.pretrain_epochs,
                                                 options.pretrain_batch, options.pretrain_lr, options.seed,
                                                 options.time_budget, step)
    heads = head_values(taxonomy, options.heads)
    lexicon_category, lexicon_complaint = LexiconCategoryModel(taxonomy), LexiconComplaintModel()

    def fit(init: object, label: str) -> tuple[object, dict, dict]:
        model = classifier_from(shape, len(tokenizer), special["[PAD]"], heads, init, "minsheng-char-bert",
                                options.max_length)
        with report.task(f"fine-tuning ({label})") as step:
            summary = finetune(model, tokenizer, train_set, heads, options.finetune_epochs,
                               options.finetune_batch, options.finetune_lr, options.seed, step)
        classifier = TransformerClassifier(tokenizer, model, options.max_length, threads=options.threads)
        return model, summary, compare_modes(dev_set, classifier, taxonomy, lexicon_category, lexicon_complaint)

    model, finetune_summary, results = fit(encoder, "pre-trained" if encoder else "from scratch")
    classifier = TransformerClassifier(tokenizer, model, options.max_length, threads=options.threads)
    metrics: dict = {
        "data": {"messages": len(messages), "labelled": len(examples), "train": len(train_set),
                 "dev": len(dev_set), "dev_topic_groups": len(dev_groups), "pretrain_texts": len(corpus),
                 "pretrain_excludes_dev_topics": not options.pretrain_on_dev, "vocab": len(tokenizer)},
        "options": json.loads(options.model_dump_json(exclude={"shared_dir", "labels", "output", "dev_ids",
                                                               "taxonomy"})),
        "pretraining": pretrain_summary, "finetuning": finetune_summary, "dev": results,
        "blend_weight_curve_level1_macro_f1": {str(k): round(v, 4) for k, v in weight_curve(
            classifier, lexicon_category, taxonomy, dev_set).items()},
    }
    if options.ablation and encoder is not None:
        _, scratch_summary, scratch = fit(None, "ablation: no pre-training")
        metrics["ablation_no_pretraining"] = {"finetuning": scratch_summary, "dev": scratch}
    mode = best_mode(results)
    model.config.minsheng_mode = mode
    model.save_pretrained(str(staging))
    metrics["default_mode"] = mode
    metrics["dev_keys_hash"] = dev_keys_hash(e.key for e in dev_set)
    metrics["size_bytes"] = sum(p.stat().st_size for p in staging.iterdir())
    metrics["throughput"] = measure_throughput(staging, [e.text for e in dev_set])
    metrics["training_seconds"] = round(time.monotonic() - started, 1)
    metrics["training_cpu_seconds"] = round(time.process_time() - cpu_started, 1)
    metrics["machine"] = _machine()
    publish_checkpoint(staging, options.output, metrics)
    report.note(f"saved {options.output} (default mode: {mode})")
    return {"output_dir": str(options.output), "metrics": metrics}
