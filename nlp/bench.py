"""Tagger throughput and memory, for `minsheng bench` (suite "nlp").

The tagging runs in a child process (``python -m nlp.bench``) so that its peak RSS is
its own; the baseline is plain jieba segmentation of the same posts in that process.
"""
from __future__ import annotations

import json
import platform
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from nlp.schema import TagInput

POST_CHARS = 200
# The seven first-level classes of the 2020 TipDM-cup's labelled messages, the data
# behind the published 0.92-0.94 figures the category target is set against.
CUP_CLASSES = ("城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "环境保护", "卫生计生", "交通运输")


def cpu_model() -> str:
    """The processor's model name, for benchmark reports (``platform`` only knows the architecture)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sample_posts(shared_dir: Path, count: int, seed: int = 7) -> list[TagInput]:
    """~200-character posts cut from real residents' messages."""
    lines = (shared_dir / "messages.jsonl").read_text(encoding="utf-8").splitlines()
    rng = random.Random(seed)
    posts = []
    for line in rng.sample(lines, min(count, len(lines))):
        row = json.loads(line)
        text = row["text"].replace("\n", "")
        start = rng.randrange(max(1, len(text) - POST_CHARS))
        posts.append(TagInput(title=row["title"], text=text[start:start + POST_CHARS]))
    return posts


def measure(config_path: Path | None, shared_dir: Path, count: int, repeats: int) -> dict[str, Any]:
    """Posts per second (medians of ``repeats`` passes) for jieba alone and the whole tagger."""
    import jieba
    import torch

    from api.settings import load_settings
    from nlp.tagger import Tagger

    torch.set_num_threads(1)  # "per core": one thread does all the work
    settings = load_settings(config_path)
    posts = sample_posts(shared_dir, count)
    started = time.perf_counter()
    tagger = Tagger.from_settings(settings.nlp, settings.gazetteer, settings.routing, settings.home / "cache")
    tagger.initialize()
    init_s = time.perf_counter() - started
    plain = jieba.Tokenizer()
    plain.initialize()
    jieba_rates, tagger_rates = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        for post in posts:
            plain.lcut(post.title + post.text)
        jieba_rates.append(len(posts) / (time.perf_counter() - started))
        started = time.perf_counter()
        tagger.tag_batch(posts)
        tagger_rates.append(len(posts) / (time.perf_counter() - started))
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before the dev set's long messages
    return {"posts": len(posts), "jieba_posts_per_s": statistics.median(jieba_rates),
            "tagger_posts_per_s": statistics.median(tagger_rates), "init_s": init_s, "tagger": tagger.version,
            "peak_rss_mb": peak_rss_mb, "dev": dev_scores(tagger, shared_dir)}


def dev_scores(tagger: Any, shared_dir: Path) -> dict[str, Any]:
    """The shipped tagger on the hand-labelled dev set: first-level macro-F1 over all its
    classes, and over the dev messages of the seven TipDM-cup classes, as the cup scores."""
    from nlp.evaluate import macro_f1, precision_recall_f1
    from nlp.training.corpus import LABELS_DIR, join_labels, load_labels, load_messages

    dev_keys = set((LABELS_DIR / "dev_ids.txt").read_text(encoding="utf-8").split())
    dev = [e for e in join_labels(load_labels(), load_messages(shared_dir)) if e.key in dev_keys]
    tags = tagger.tag_batch([TagInput(title=e.title, text=e.body) for e in dev])
    gold = [str(e.labels["level1"]) for e in dev]
    pred = [t.category.level1 for t in tags]
    cup = [(g, p) for g, p in zip(gold, pred) if g in CUP_CLASSES]
    complaint = precision_recall_f1([bool(e.labels["is_complaint"]) for e in dev], [t.is_complaint for t in tags])
    return {"messages": len(dev), "level1_macro_f1": macro_f1(gold, pred),
            "cup_messages": len(cup), "cup_level1_macro_f1": macro_f1(*zip(*cup)) if cup else 0.0,
            "complaint_f1": complaint[2]}


def bench_nlp(ctx: Any) -> Any:
    from api.cli.bench import Figure, Section

    section = Section("NLP tagger (posts of ~200 characters, one core)")
    if not (ctx.shared_dir / "messages.jsonl").is_file():
        section.notes.append(f"skipped: shared messages not found at {ctx.shared_dir}")
        return section
    count, repeats = (200, 3) if ctx.quick else (1000, 5)
    config = ctx.settings.config_path
    command = [sys.executable, "-m", "nlp.bench", str(ctx.shared_dir), str(count), str(repeats)]
    if config:
        command.append(str(config))
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rate = result["tagger_posts_per_s"]
    section.figures += [
        Figure("whole tagger", rate, "posts/s", result["jieba_posts_per_s"], "jieba alone", "≥ 200/s", rate >= 200),
        Figure("peak RSS of the tagging process", result["peak_rss_mb"], "MB", None, "", "≤ 1,024 MB",
               result["peak_rss_mb"] <= 1024),
        Figure("tagger start-up", result["init_s"], "s"),
    ]
    dev = result["dev"]
    if dev["messages"]:
        section.figures += [
            Figure(f"dev set: first-level macro-F1, 15 classes ({dev['messages']:,} messages)",
                   dev["level1_macro_f1"], "", target="≥ 0.85", met=dev["level1_macro_f1"] >= 0.85),
            Figure(f"dev set: first-level macro-F1 over the 7 TipDM-cup classes ({dev['cup_messages']:,} messages)",
                   dev["cup_level1_macro_f1"], "", target="≥ 0.85", met=dev["cup_level1_macro_f1"] >= 0.85),
            Figure("dev set: complaint F1", dev["complaint_f1"], "", target="≥ 0.90", met=dev["complaint_f1"] >= 0.90),
        ]
    section.notes.append(f"Tagger version `{result['tagger']}`; {result['posts']} posts cut from real messages; "
                         f"medians of {repeats} passes.")
    return section


if __name__ == "__main__":
    shared, n, reps = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    cfg = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    print(json.dumps(measure(cfg, shared, n, reps)))
