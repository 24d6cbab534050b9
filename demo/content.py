"""Realistic residents' text about the places of the demo gazetteer.

``DemoWriter`` feeds the demo forum and the demo video site: complaints about real local
problems (roads, 积水, 噪音, 油烟 …), ordinary chatter, ads and praise, and replies.
Sentences from the shared residents' messages are mixed in when they are present.
Everything is drawn from one seeded RNG, so a seed always gives the same sequence.
"""
from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from demo import phrasebook as pb
from demo.corpus import MessageCorpus, load_corpus

TextKind = Literal["complaint", "chatter", "ad", "praise"]
# Place types residents name in posts; cities and districts are too coarse on their own.
_SPOT_TYPES = ("road", "compound", "community", "poi", "intersection", "street")
_LOCATORS = {
    "road": ("", "", "公交站附近", "{n}号门口", "中段", "红绿灯路口"),
    "compound": ("", "", "{n}幢", "北门", "东门口", "地下车库"),
    "community": ("", "", "菜场门口", "老小区里面"),
    "poi": ("", "门口", "旁边", "对面"),
}
_NICK_HEADS = ("南湖", "秀洲", "禾城", "嘉兴", "老", "小", "阿", "jx", "江南", "运河边的")
_NICK_TAILS = ("老张", "小王", "阿姨", "居民", "土著", "打工人", "宝妈", "大叔", "_88", "2019", "的猫", "路人甲")


@dataclass(frozen=True)
class DemoPlace:
    """A gazetteer place with the district and street it lies in."""

    id: str
    name: str
    type: str
    district: str | None = None
    street: str | None = None


@dataclass(frozen=True)
class DemoText:
    """One generated post, reply, comment or video title."""

    title: str
    text: str
    author: str
    kind: TextKind
    place: DemoPlace | None = None
    topic: str | None = None


def read_demo_places(gazetteer_csv: Path) -> list[DemoPlace]:
    """Places from a gazetteer CSV (``id,name,type,parent_id,…``) with their ancestry."""
    if not gazetteer_csv.is_file():
        raise FileNotFoundError(f"demo gazetteer not found: {gazetteer_csv}")
    with gazetteer_csv.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "name", "type", "parent_id"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{gazetteer_csv}: missing column(s) {', '.join(sorted(missing))}")
        rows = {row["id"]: row for row in reader if row.get("id") and row.get("name")}

    def ancestor(row: dict[str, str], wanted: str) -> str | None:
        seen: set[str] = set()
        while row and row["id"] not in seen:
            seen.add(row["id"])
            if row["type"] == wanted:
                return row["name"]
            row = rows.get(row.get("parent_id") or "")
        return None

    places = [DemoPlace(row["id"], row["name"], row["type"], ancestor(row, "district"), ancestor(row, "street"))
              for row in rows.values() if row["type"] in _SPOT_TYPES]
    if not places:
        raise ValueError(f"{gazetteer_csv}: no roads, compounds, communities or POIs to write about")
    return places


class DemoWriter:
    """Deterministic generator of residents' posts about the demo city's places."""

    def __init__(self, gazetteer_csv: Path, shared_dir: Path | None = None, seed: int = 0) -> None:
        """Load the places (and the shared messages, when ``shared_dir`` has them)."""
        self.places = read_demo_places(gazetteer_csv)
        self.rng = random.Random(seed)
        self.topics = {topic.name: topic for topic in pb.TOPICS}
        self.corpus: MessageCorpus | None = load_corpus(
            shared_dir, {topic.name: topic.keywords for topic in pb.TOPICS})
        self._districts = sorted({p.district for p in self.places if p.district}) or ["本区"]

    # -- building blocks ------------------------------------------------------------
    def author(self) -> str:
        """A forum-style nickname."""
        return self.rng.choice(_NICK_HEADS) + self.rng.choice(_NICK_TAILS) + (
            str(self.rng.randint(1, 999)) if self.rng.random() < 0.3 else "")

    def place(self) -> DemoPlace:
        return self.rng.choice(self.places)

    def _where(self, place: DemoPlace) -> str:
        """The place as a resident writes it: sometimes with its district or street."""
        prefix = ""
        roll = self.rng.random()
        if roll < 0.25 and place.district and place.type != "street":
            prefix = place.district
        elif roll < 0.4 and place.street and place.type in ("compound", "community"):
            prefix = place.street
        locator = self.rng.choice(_LOCATORS.get(place.type, ("",))).format(n=self.rng.randint(1, 30))
        return prefix + place.name + locator

    def _fill(self, template: str, place: DemoPlace | None) -> str:
        name = place.name if place else self.rng.choice(self._districts)
        return template.format(place=name, where=self._where(place) if place else name,
                               n=self.rng.randint(2, 9), time=self.rng.choice(pb.TIMES))

    def _details(self, topic: pb.Topic, place: DemoPlace) -> list[str]:
        """One or two detail sentences: real residents' sentences when available."""
        count = self.rng.randint(1, 2)
        if self.corpus is not None and self.rng.random() < 0.6:
            district = place.district or self.rng.choice(self._districts)
            real = self.corpus.sentences(topic.name, self.rng, count, district)
            if real:
                return [s if s[-1] in "。！？!?" else s + "。" for s in real]
        return self.rng.sample(list(topic.details), min(count, len(topic.details)))

    # -- public generators ------------------------------------------------------------
    def thread(self) -> DemoText:
        """A new thread: mostly complaints, with chatter, praise and ads mixed in."""
        roll = self.rng.random()
        place = self.place()
        if roll < 0.62:
            return self.complaint(place)
        if roll < 0.82:
            kind, titles, texts = "chatter", pb.CHATTER_TITLES, pb.CHATTER_TEXTS
        elif roll < 0.91:
            kind, titles, texts = "praise", pb.PRAISE_TITLES, pb.PRAISE_TEXTS
        else:
            kind, titles, texts = "ad", pb.AD_TITLES, pb.AD_TEXTS
        title = self._fill(self.rng.choice(titles), place)
        text = "".join(self._fill(t, place) for t in self.rng.sample(list(texts), 2))
        return DemoText(title, text, self.author(), kind, place)

    def complaint(self, place: DemoPlace | None = None, topic: str | None = None) -> DemoText:
        """A complaint thread about ``place`` (random if None) on ``topic`` (random if None)."""
        if topic:
            chosen = self.topics[topic]
        else:
            # Pick a problem that fits the place: no elevators on a road.
            fitting = [t for t in pb.TOPICS if place is None or not t.place_types or place.type in t.place_types]
            chosen = self.rng.choice(fitting or list(pb.TOPICS))
        if place is None:
            suitable = [p for p in self.places if not chosen.place_types or p.type in chosen.place_types]
            place = self.rng.choice(suitable or self.places)
        title = self._fill(self.rng.choice(chosen.titles), place)
        parts = [self._fill(self.rng.choice(chosen.openings), place)]
        parts += self._details(chosen, place)
        parts.append(self.rng.choice(pb.ASKS))
        return DemoText(title, "".join(parts), self.author(), "complaint", place, chosen.name)

    def reply(self, thread: DemoText) -> DemoText:
        """A reply under ``thread``: +1 and 同问, or a detail that adds information."""
        if thread.kind == "complaint":
            roll = self.rng.random()
            if roll < 0.45:
                text = self.rng.choice(pb.SUPPORT_REPLIES)
            elif roll < 0.8 or thread.topic is None or thread.place is None:
                text = self.rng.choice(pb.DETAIL_REPLIES)
            else:
                text = self._details(self.topics[thread.topic], thread.place)[0]
            kind: TextKind = "complaint"
        else:
            text, kind = self.rng.choice(pb.CHATTER_REPLIES), "chatter"
        return DemoText("", text, self.author(), kind, thread.place, thread.topic)

    def amendment(self, thread: DemoText) -> str:
        """A line an author adds when editing a post ("补充：…")."""
        if thread.topic and thread.place:
            detail = self._details(self.topics[thread.topic], thread.place)[0]
        else:
            detail = self.rng.choice(pb.CHATTER_TEXTS)
        return self.rng.choice(("补充：", "更新：", "再说明一下，")) + detail

    def comment(self, context_title: str) -> DemoText:
        """A short video comment (5–80 chars), often naming a place from the title."""
        place = next((p for p in self.places if p.name in context_title), None)
        if place is None or self.rng.random() < 0.3:
            place = self.place()
        text = self._fill(self.rng.choice(pb.COMMENT_LINES), place)
        if len(text) < 5:
            text += self.rng.choice(("，说得对", "！！！", "，支持一下", "，同感"))
        kind: TextKind = "complaint" if any(w in text for w in ("管", "吵", "积水", "投诉", "修")) else "chatter"
        return DemoText("", text[:80], self.author(), kind, place if place.name in text else None)

    def video_title(self) -> DemoText:
        """A local video's title."""
        place = self.place()
        title = self._fill(self.rng.choice(pb.VIDEO_TITLES), place)
        kind: TextKind = "complaint" if any(w in title for w in ("积水", "塌陷", "施工", "垃圾")) else "chatter"
        return DemoText(title, "", self.author(), kind, place)
