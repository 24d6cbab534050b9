"""Sentences recombined from real residents' messages, for realistic demo text.

The shared wenzheng messages are anonymised (``A市``, ``A3区``) and name real streets of
another city. The demo keeps only single sentences, swaps the anonymised places for
demo places and drops sentences naming any other place, so no whole message is ever
reproduced and no foreign place confuses the location tagger.
"""
from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

# Anonymised administrative units: A市, A3区, K8县, C5市 …
_ANON_PLACE = re.compile(r"[A-Z]\d{0,2}(?:市|区|县)")
# Anything that still looks like a named place after the swap: the sentence is dropped.
_OTHER_PLACE = re.compile(
    r"[\u4e00-\u9fa5]{1,6}(?:路|街|巷|弄|大道|小区|花园|苑|村|镇|乡|街道|社区|广场|公寓|大厦|家园|新城|园区|湖|桥"
    r"|栋|幢|站|市场|城|大楼|中心|学校|小学|中学|医院|酒店|宾馆|商场|厂|府|湾|庭|郡|山)|\d+\s*(?:栋|幢|号楼|单元)"
)
_SPLIT = re.compile(r"(?<=[。！？!?；;])|\n+")
# Letters to officials and form-letter phrases do not read like a forum post.
_UNFORUMLIKE = ("尊敬", "书记", "市长", "您好", "领导：", "局长", "此致", "敬礼", "附件", "http", "@")
_PHONE = re.compile(r"\d{7,}")
# List markers a sentence may start with ("3、", "【1】", "（二）"): meaningless out of context.
_ENUMERATOR = re.compile(r"^(?:[(（【\[]?[0-9一二三四五六七八九十]+[)）】\]、.．,，:：]|[(（【][0-9一二三四五六七八九十]+[)）】])\s*")


class MessageCorpus:
    """Topic-indexed sentences from ``messages.jsonl`` with placeholders for places."""

    def __init__(self, messages_path: Path, topics: dict[str, Sequence[str]], *,
                 min_chars: int = 8, max_chars: int = 70) -> None:
        """Read and index the messages; ``topics`` maps a topic name to its keywords."""
        self.by_topic: dict[str, list[tuple[str, str]]] = {name: [] for name in topics}
        self.message_count = 0
        with messages_path.open(encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if not line:
                    continue
                try:
                    message = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a damaged line costs one message, not the corpus
                self.message_count += 1
                self._index(str(message.get("id", self.message_count)), str(message.get("text", "")),
                            topics, min_chars, max_chars)

    def _index(self, message_id: str, text: str, topics: dict[str, Sequence[str]],
               min_chars: int, max_chars: int) -> None:
        for sentence in _SPLIT.split(text):
            sentence = _ENUMERATOR.sub("", sentence.strip(" \t\r，,、")).strip()
            if not min_chars <= len(sentence) <= max_chars:
                continue
            if any(marker in sentence for marker in _UNFORUMLIKE) or _PHONE.search(sentence):
                continue
            templated = _ANON_PLACE.sub("{district}", sentence)
            if _OTHER_PLACE.search(templated.replace("{district}", "")):
                continue
            for name, keywords in topics.items():
                if any(keyword in templated for keyword in keywords):
                    self.by_topic[name].append((message_id, templated))

    def sentences(self, topic: str, rng: random.Random, count: int, district: str) -> list[str]:
        """Up to ``count`` sentences on ``topic``, each from a different message."""
        pool = self.by_topic.get(topic) or []
        if not pool:
            return []
        chosen: list[str] = []
        used: set[str] = set()
        for _ in range(count * 4):
            message_id, sentence = pool[rng.randrange(len(pool))]
            if message_id in used:
                continue
            used.add(message_id)
            chosen.append(sentence.replace("{district}", district))
            if len(chosen) == count:
                break
        return chosen


def load_corpus(shared_dir: Path | None, topics: dict[str, Sequence[str]]) -> MessageCorpus | None:
    """The corpus from ``shared_dir/data/wenzheng``, or None (with a message) when absent."""
    if shared_dir is None:
        return None
    path = shared_dir / "data" / "wenzheng" / "messages.jsonl"
    if not path.is_file():
        log.info("demo content: %s not found, using templates only", path)
        return None
    return MessageCorpus(path, topics)
