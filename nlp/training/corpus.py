"""Residents' messages and hand labels, joined at run time.

The labels (``nlp/data/labels/*.jsonl``) carry ids only; the texts stay in the shared
data folder beside the repository and are never copied into it.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.model import join_title

REPO = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO.parent / "shared" / "data" / "wenzheng"
LABELS_DIR = REPO / "nlp" / "data" / "labels"
# Posts the team wrote itself (chatter, ads, short comments): texts and labels together.
WRITTEN = LABELS_DIR / "written_posts.jsonl"
MESSAGE_FILES = ("messages", "replied_messages")
LABEL_KEYS = ("level1", "level2", "level3", "is_complaint", "appeal_type")


class CorpusError(ValueError):
    """A data problem worded as one line naming the file (and line)."""


@dataclass(frozen=True, slots=True)
class Message:
    """One resident's message; ``key`` is unique across the shared files."""

    file: str
    id: str
    user: str
    title: str
    text: str

    @property
    def key(self) -> str:
        return f"{self.file}:{self.id}"

    @property
    def content(self) -> str:
        """What the classifier reads: the title, then the body."""
        return join_title(self.title, self.text)


@dataclass(frozen=True, slots=True)
class Example:
    """A labelled message: its text plus the labels the heads learn."""

    key: str
    title: str
    body: str
    labels: dict[str, object]

    @property
    def text(self) -> str:
        return join_title(self.title, self.body)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(row, dict):
                raise CorpusError(f"{path}:{number}: expected a JSON object")
            yield number, row


def dev_keys_hash(keys: Iterable[str]) -> str:
    """A short fingerprint of a dev set, so figures are only compared on the same messages."""
    return hashlib.sha256("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:16]


def shared_available(shared_dir: Path = SHARED_DIR) -> bool:
    """True when every shared message file is there."""
    return all((Path(shared_dir) / f"{name}.jsonl").is_file() for name in MESSAGE_FILES)


def load_messages(shared_dir: Path = SHARED_DIR) -> list[Message]:
    """Every message of both shared files, in file order."""
    messages: list[Message] = []
    for name in MESSAGE_FILES:
        path = Path(shared_dir) / f"{name}.jsonl"
        if not path.is_file():
            raise CorpusError(f"{path}: shared message file not found")
        for number, row in _read_jsonl(path):
            if "id" not in row:
                raise CorpusError(f"{path}:{number}: message without an id")
            messages.append(Message(name, str(row["id"]), str(row.get("user") or ""),
                                    str(row.get("title") or ""), str(row.get("text") or "")))
    return messages


def load_labels(paths: Iterable[Path] | None = None) -> list[dict]:
    """The hand-label rows; each names its message by ``file`` and ``id``."""
    paths = list(paths) if paths is not None else sorted(LABELS_DIR.glob("labels_*.jsonl"))
    if not paths:
        raise CorpusError(f"{LABELS_DIR}: no labels_*.jsonl files")
    rows: list[dict] = []
    for path in paths:
        for number, row in _read_jsonl(Path(path)):
            missing = [key for key in ("file", "id", *LABEL_KEYS) if key not in row]
            if missing:
                raise CorpusError(f"{path}:{number}: label row lacks {', '.join(missing)}")
            rows.append(row)
    return rows


def join_labels(labels: list[dict], messages: Iterable[Message]) -> list[Example]:
    """Labelled examples; a label whose message is missing is an error, not a silent drop."""
    by_key = {message.key: message for message in messages}
    examples: list[Example] = []
    seen: set[str] = set()
    for row in labels:
        key = f"{row['file']}:{row['id']}"
        if key in seen:
            continue  # the first label of a twice-labelled message wins
        seen.add(key)
        message = by_key.get(key)
        if message is None:
            raise CorpusError(f"label for {key}: no such message in the shared data")
        examples.append(Example(key, message.title, message.text, {name: row[name] for name in LABEL_KEYS}))
    return examples


def load_written(path: Path = WRITTEN, prefix: str = "written") -> list[Example]:
    """The team's own example posts: complaint labels, and a category for complaints.

    The residents' messages are all long appeals to a government, so on their own
    they never show the models the chatter, praise and ads that fill forums and
    comment sections, nor a one-line complaint under a video; these do. Chatter has
    no category (the category heads skip it). A missing file means none.
    """
    if not Path(path).is_file():
        return []
    examples: list[Example] = []
    for number, row in _read_jsonl(Path(path)):
        text = str(row.get("text") or "").strip()
        if not text or not isinstance(row.get("is_complaint"), bool) or "appeal_type" not in row:
            raise CorpusError(f"{path}:{number}: needs text, is_complaint (true/false) and appeal_type")
        labels = {key: row.get(key) for key in LABEL_KEYS}
        examples.append(Example(f"{prefix}:{number}", "", text, labels))
    return examples


def split_written(examples: list[Example], every: int = 5) -> tuple[list[Example], list[Example]]:
    """(train, held out): every ``every``-th example is kept back to check the models on."""
    return ([e for i, e in enumerate(examples) if i % every != every - 1],
            [e for i, e in enumerate(examples) if i % every == every - 1])
