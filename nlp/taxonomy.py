"""The 12345 three-level category tree (level1 → level2 → [level3]).

Shipped as ``nlp/data/taxonomy.json``, generated from the real category list with::

    python -m nlp.taxonomy ../shared/data/wenzheng/categories.csv nlp/data/taxonomy.json

A deployment can point ``nlp.taxonomy`` at its own ``level1,level2,level3`` CSV instead.
"""
from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Iterator
from pathlib import Path

SHIPPED = Path(__file__).resolve().parent / "data" / "taxonomy.json"
FORMAT = "minsheng-taxonomy/1"
OTHER = "其他"


class TaxonomyError(ValueError):
    """A taxonomy file problem, worded as one line naming the file."""


class Taxonomy:
    """An ordered tree of category names; names are the facts, order is the file's."""

    def __init__(self, tree: dict[str, dict[str, list[str]]]) -> None:
        if not tree:
            raise TaxonomyError("the category tree is empty")
        self.tree = tree

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """The tree at ``path`` (.csv or .json), or the shipped one."""
        path = Path(path) if path else SHIPPED
        if not path.is_file():
            raise TaxonomyError(f"{path}: taxonomy file not found")
        return cls.from_csv(path) if path.suffix.lower() == ".csv" else cls.from_json(path)

    @classmethod
    def from_json(cls, path: Path) -> Taxonomy:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise TaxonomyError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("tree"), dict):
            raise TaxonomyError(f"{path}: not a {FORMAT} file (expected {{'format', 'tree'}})")
        return cls({l1: {l2: list(l3s) for l2, l3s in l2s.items()} for l1, l2s in data["tree"].items()})

    @classmethod
    def from_csv(cls, path: Path) -> Taxonomy:
        tree: dict[str, dict[str, list[str]]] = {}
        with Path(path).open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None or [h.strip() for h in header[:3]] != ["level1", "level2", "level3"]:
                raise TaxonomyError(f"{path}:1: expected the header level1,level2,level3")
            for row in reader:
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) < 3 or not all(cell.strip() for cell in row[:3]):
                    raise TaxonomyError(f"{path}:{reader.line_num}: expected three non-empty names, got {row!r}")
                l1, l2, l3 = (cell.strip() for cell in row[:3])
                leaves = tree.setdefault(l1, {}).setdefault(l2, [])
                if l3 not in leaves:
                    leaves.append(l3)
        return cls(tree)

    def to_json(self, source: str) -> str:
        return json.dumps({"format": FORMAT, "source": source, "tree": self.tree},
                          ensure_ascii=False, indent=1) + "\n"

    # -- queries ---------------------------------------------------------------
    def level1(self) -> list[str]:
        return list(self.tree)

    def level2(self, level1: str) -> list[str]:
        return list(self.tree.get(level1, {}))

    def level3(self, level1: str, level2: str) -> list[str]:
        return list(self.tree.get(level1, {}).get(level2, []))

    def paths(self) -> Iterator[tuple[str, str, str]]:
        for l1, l2s in self.tree.items():
            for l2, l3s in l2s.items():
                for l3 in l3s:
                    yield l1, l2, l3

    def __contains__(self, path: object) -> bool:
        if not isinstance(path, tuple) or len(path) != 3:
            return False
        return path[2] in self.tree.get(path[0], {}).get(path[1], [])

    def fallback(self, level1: str | None = None, level2: str | None = None) -> tuple[str, str, str]:
        """The catch-all path under what is known (其他 where the tree has one)."""
        l1 = level1 if level1 in self.tree else (OTHER if OTHER in self.tree else next(iter(self.tree)))
        l2s = self.tree[l1]
        l2 = level2 if level2 in l2s else (OTHER if OTHER in l2s else next(iter(l2s)))
        leaves = l2s[l2]
        return l1, l2, OTHER if OTHER in leaves else leaves[0]


def main(argv: list[str] | None = None) -> int:
    """Convert a level1,level2,level3 CSV into the shipped JSON format."""
    parser = argparse.ArgumentParser(description="Build nlp/data/taxonomy.json from a category CSV")
    parser.add_argument("csv", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=SHIPPED)
    args = parser.parse_args(argv)
    try:
        taxonomy = Taxonomy.from_csv(args.csv)
    except (TaxonomyError, OSError) as exc:
        parser.exit(2, f"error: {exc}\n")
    args.out.write_text(taxonomy.to_json(source=args.csv.name), encoding="utf-8")
    print(f"{args.out}: {len(taxonomy.level1())} first-level, {sum(1 for _ in taxonomy.paths())} leaves")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
