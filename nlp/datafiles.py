"""Reading the tagger's YAML data files with one-line, file-naming errors."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


class DataFileError(ValueError):
    """A lexicon/table file is missing or malformed; the message names the file."""


def read_yaml(path: Path, what: str) -> Any:
    """Parse ``path``; ``what`` names the file's role in the error ("routing table")."""
    path = Path(path)
    if not path.is_file():
        raise DataFileError(f"{path}: {what} not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise DataFileError(f"{path}: {where}{what} is not valid YAML ({getattr(exc, 'problem', exc)})") from None
