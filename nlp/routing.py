"""Department routing: the longest category-path prefix with a department wins."""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nlp.datafiles import DataFileError, read_yaml
from nlp.schema import Category

DEFAULT_TABLE = Path(__file__).resolve().parent / "data" / "routing.yaml"


class DepartmentRouter:
    """Maps ``level1[/level2[/level3]]`` prefixes to departments.

    The shipped table (``nlp/data/routing.yaml``) is the default; ``overrides``
    (settings.routing) replace or add entries, e.g. ``{"交通运输": "交通局"}``.
    """

    def __init__(self, overrides: Mapping[str, str] | None = None, table: Path | None = DEFAULT_TABLE) -> None:
        self.table: dict[str, str] = load_table(table) if table else {}
        for prefix, department in (overrides or {}).items():
            prefix = _normal(prefix)
            if not prefix or not str(department).strip():
                raise ValueError(f"routing: empty category prefix or department in {prefix!r}: {department!r}")
            self.table[prefix] = str(department).strip()

    def route(self, category: Category) -> str | None:
        """The department for a category, or None if no prefix matches."""
        parts = [category.level1, category.level2, category.level3]
        for depth in (3, 2, 1):
            department = self.table.get("/".join(parts[:depth]))
            if department:
                return department
        return None


def _normal(prefix: str) -> str:
    return "/".join(part.strip() for part in str(prefix).split("/") if part.strip())


def load_table(path: Path) -> dict[str, str]:
    """Read a routing YAML ({prefix: department}); one-line errors name the file."""
    data = read_yaml(path, "routing table") or {}
    if not isinstance(data, dict):
        raise DataFileError(f"{path}: expected a mapping of category prefix to department")
    return {_normal(k): str(v).strip() for k, v in data.items()}
