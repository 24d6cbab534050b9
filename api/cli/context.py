"""What every command shares: the config path, the settings and the runtime, made on demand."""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import typer

from api.runtime import Runtime
from api.settings import Settings, load_settings

T = TypeVar("T")


class UserError(Exception):
    """A problem the operator can fix; printed as one line, no traceback."""


@dataclass
class CliState:
    config_path: Path | None
    _settings: Settings | None = None
    _runtime: Runtime | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            self._runtime = Runtime.from_settings(self.settings)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


def state(ctx: typer.Context) -> CliState:
    return ctx.ensure_object(CliState) if ctx.obj is None else ctx.obj


@contextmanager
def progress(total: int | None, label: str) -> Iterator[Any]:
    """A progress bar on a terminal; silence in pipes and files."""
    if not sys.stderr.isatty():
        yield lambda advance=1: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda advance=1: bar.advance(task, advance)


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
