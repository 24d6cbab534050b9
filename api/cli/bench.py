"""`minsheng bench`: run the stages' benchmarks and write BENCHMARKS.md.

Each suite is a function in its stage's package, ``suite(ctx) -> Section``. Figures are
medians of repeated runs; where a baseline runs in the same process, the ratio is shown.
"""
from __future__ import annotations

import importlib
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from api.cli.context import UserError, state
from api.settings import REPO_ROOT

SUITES: dict[str, str] = {
    "ingest": "index.bench:bench_ingest",
    "nlp": "nlp.bench:bench_nlp",
    "places": "nlp.place_bench:bench_places",
    "forum": "api.cli.bench_suites:forum_suite",
    "video": "api.cli.bench_suites:video_suite",
    "search": "index.search.bench:bench_search_suite",
    "cases": "api.cli.bench_suites:cases_suite",
    "soak": "api.soak:bench_soak",
}


@dataclass
class Figure:
    metric: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class BenchContext:
    settings: Any
    work_dir: Path
    quick: bool
    shared_dir: Path = REPO_ROOT.parent / "shared" / "data" / "wenzheng"


def median_seconds(run: Callable[[], Any], repeats: int = 5) -> float:
    """Median wall time of ``repeats`` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine_description() -> str:
    from nlp.bench import cpu_model  # noqa: PLC0415

    cpu = cpu_model()
    try:
        mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))
        memory = f"{mem_kb / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        memory = "unknown memory"
    return (f"{cpu}, {os.cpu_count()} cores, {memory}, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def render(sections: list[Section], when: datetime, kept: dict[str, str] | None = None) -> str:
    """The whole file; ``kept`` holds earlier sections (by title) of suites not run this time."""
    lines = ["# Benchmarks", "", f"Machine: {machine_description()}  ", f"Run: {when:%Y-%m-%d %H:%M} (`make bench`)", "",
             "Figures are medians of repeated runs; *ratio* is the figure over the baseline measured in the same run.", ""]
    for section in sections:
        lines += [f"## {section.title}", "", "| metric | value | baseline | ratio | target | met |",
                  "|---|---|---|---|---|---|"]
        for fig in section.figures:
            base = f"{fig.baseline:,.4g} ({fig.baseline_name})" if fig.baseline is not None else ""
            ratio = f"{fig.ratio:.2f}×" if fig.ratio is not None else ""
            met = {True: "yes", False: "**no**", None: ""}[fig.met]
            lines.append(f"| {fig.metric} | {fig.value:,.4g} {fig.unit} | {base} | {ratio} | {fig.target} | {met} |")
        lines += [""] + [f"- {note}" for note in section.notes] + ([""] if section.notes else [])
    fresh = {section.title for section in sections}
    for title, block in (kept or {}).items():
        if title not in fresh:
            lines += [block.rstrip(), ""]
    return "\n".join(lines)


def earlier_sections(path: Path) -> dict[str, str]:
    """Sections of an existing BENCHMARKS.md, by title, so a partial run keeps the rest."""
    if not path.is_file():
        return {}
    blocks = path.read_text(encoding="utf-8").split("\n## ")[1:]
    return {block.split("\n", 1)[0].strip(): "## " + block for block in blocks}


def bench_cmd(
    ctx: typer.Context,
    only: Annotated[Optional[str], typer.Option("--only", help=f"Comma-separated suites: {', '.join(SUITES)}")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Small sizes, for a smoke run")] = False,
    output: Annotated[Path, typer.Option("--output")] = REPO_ROOT / "BENCHMARKS.md",
) -> None:
    """Run the benchmarks and write BENCHMARKS.md."""
    names = [n.strip() for n in only.split(",")] if only else list(SUITES)
    unknown = [n for n in names if n not in SUITES]
    if unknown:
        raise UserError(f"unknown bench suite {unknown[0]!r} (known: {', '.join(SUITES)})")
    sections: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="minsheng-bench-") as tmp:
        bench_ctx = BenchContext(settings=state(ctx).settings, work_dir=Path(tmp), quick=quick)
        for name in names:
            module, func = SUITES[name].split(":")
            print(f"bench: {name} …", flush=True)
            suite = getattr(importlib.import_module(module), func)
            sections.append(suite(bench_ctx))
    output.write_text(render(sections, datetime.now(), earlier_sections(output)), encoding="utf-8")
    print(f"bench: wrote {output}")


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_cmd)
