"""Progress bars for ``minsheng train`` (quiet in pipes), the throughput probe, and publishing a checkpoint."""
from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import torch
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
    TimeRemainingColumn


class Reporter:
    """Rich progress bars on a terminal; nothing at all when ``enabled`` is False."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.console = Console(file=sys.stderr)

    def note(self, message: str) -> None:
        if self.enabled:
            self.console.print(message)

    @contextmanager
    def task(self, title: str) -> Iterator[Callable[[int, int, float], None]]:
        """Yields ``step(done, total, loss)`` that advances one bar."""
        if not self.enabled:
            yield lambda done, total, loss: None
            return
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("loss {task.fields[loss]:.3f}"), TimeElapsedColumn(), TimeRemainingColumn())
        with Progress(*columns, console=self.console) as bar:
            task = bar.add_task(title, total=None, loss=0.0)

            def step(done: int, total: int, loss: float) -> None:
                bar.update(task, completed=done, total=total, loss=loss)
            yield step


def measure_throughput(model_dir: Path, texts: Sequence[str], posts: int = 512) -> dict:
    """Posts per second of TransformerClassifier.predict on one thread, wall and CPU time.

    CPU seconds are reported too because a shared machine's wall clock measures the
    neighbours as much as the model.
    """
    from nlp.model import TransformerClassifier

    sample = [texts[i % len(texts)] for i in range(posts)] if texts else []
    if not sample:
        return {}
    threads = torch.get_num_threads()
    classifier = TransformerClassifier.from_pretrained(model_dir, threads=1)
    classifier.predict(sample[:32])  # warm-up: first calls allocate
    wall, cpu = time.monotonic(), time.process_time()
    classifier.predict(sample)
    wall, cpu = time.monotonic() - wall, time.process_time() - cpu
    torch.set_num_threads(threads)
    return {"posts": len(sample), "threads": 1, "max_length": classifier.max_length,
            "mean_chars": round(sum(map(len, sample)) / len(sample)),
            "posts_per_second_wall": round(len(sample) / wall, 1),
            "posts_per_cpu_second": round(len(sample) / max(cpu, 1e-9), 1)}


def publish_checkpoint(staging: Path, output: Path, metrics: dict) -> None:
    """Write metrics.json into a finished ``staging`` folder and swap it in for ``output``.

    The old checkpoint is moved aside first and removed last, so a crash in between
    leaves either the old or the new one in place, never half of each.
    """
    (staging / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1) + "\n",
                                          encoding="utf-8")
    retired = output.with_name(output.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if output.exists():
        output.rename(retired)
    staging.rename(output)
    shutil.rmtree(retired, ignore_errors=True)
