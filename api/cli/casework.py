"""Case and alert commands (wired once the case engine lands)."""
from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    return None
