"""The demo short-video site's content: local videos, their comments and replies.

Everything is generated up front from a seed, including comments "from the future":
each one has a ``create_time`` and only becomes visible once the site's clock passes
it. That gives deterministic growth over time without any background thread.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from typing import Any, Protocol

# Provinces as the platform prints them in ``ip_label``; most commenters are local.
_OTHER_PROVINCES = ("江苏", "上海", "安徽", "广东", "福建", "江西", "湖北", "山东", "四川", "河南")


class ContentWriter(Protocol):
    """What the corpus needs from demo/content.py's DemoWriter."""

    def video_title(self) -> Any: ...

    def comment(self, context_title: str) -> Any: ...


@dataclass(frozen=True)
class DemoUser:
    uid: str
    sec_uid: str
    nickname: str

    @classmethod
    def named(cls, nickname: str) -> "DemoUser":
        # Stable ids per nickname, so one resident keeps one account across videos.
        digest = hashlib.sha1(nickname.encode("utf-8")).hexdigest()
        return cls(uid=str(int(digest[:14], 16)), sec_uid="MS4wLjABAAAA" + digest[:28], nickname=nickname)

    def as_json(self) -> dict[str, str]:
        return {"uid": self.uid, "sec_uid": self.sec_uid, "nickname": self.nickname}


@dataclass
class DemoComment:
    cid: str
    aweme_id: str
    text: str
    create_time: int
    ip_label: str
    digg_count: int
    user: DemoUser
    reply_id: str = "0"  # the top-level comment a reply sits under, "0" for top level
    reply_to_reply_id: str = "0"
    kind: str = "chatter"
    replies: list["DemoComment"] = field(default_factory=list)


@dataclass
class DemoVideo:
    aweme_id: str
    desc: str
    create_time: int
    author: DemoUser
    place: str | None
    comments: list[DemoComment] = field(default_factory=list)  # top level, oldest first


class _IdMint:
    """19-digit ids like the platform's, unique within one corpus."""

    def __init__(self, rng: random.Random) -> None:
        self._rng, self._used = rng, set()

    def next(self, prefix: str) -> str:
        while True:
            value = prefix + str(self._rng.randrange(10**17, 10**18))
            if value not in self._used:
                self._used.add(value)
                return value


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def build_corpus(writer: ContentWriter, *, videos: int, comments_per_video: int, start: int,
                 seed: int = 7, reply_share: float = 0.25, future_share: float = 0.3,
                 horizon_s: int = 72 * 3600, local_province: str = "浙江",
                 accounts: int = 3) -> list[DemoVideo]:
    """Generate ``videos`` videos of ``comments_per_video`` visible comments each at ``start``.

    ``reply_share`` of each video's comments are replies; another ``future_share`` (on
    top) appear between ``start`` and ``start + horizon_s`` as the clock advances.
    """
    if videos < 1 or comments_per_video < 1:
        raise ValueError("videos and comments_per_video must be at least 1")
    rng = random.Random(seed)
    mint = _IdMint(rng)
    owners = [DemoUser.named(name) for name in (
        "南湖身边事", "城事速递", "街坊小记者", "本地生活号", "民生观察员")[:max(1, accounts)]]
    result: list[DemoVideo] = []
    for index in range(videos):
        content = writer.video_title()
        title = _field(content, "title") or _field(content, "text") or "本地新鲜事"
        published = start - rng.randrange(6 * 3600, 20 * 86400)
        video = DemoVideo(aweme_id=mint.next("7"), desc=str(title), create_time=published,
                          author=owners[index % len(owners)],
                          place=getattr(_field(content, "place"), "name", None))
        _fill_comments(video, writer, rng, mint, comments_per_video, start, reply_share,
                       future_share, horizon_s, local_province)
        result.append(video)
    return result


def _fill_comments(video: DemoVideo, writer: ContentWriter, rng: random.Random, mint: _IdMint,
                   visible: int, start: int, reply_share: float, future_share: float,
                   horizon_s: int, province: str) -> None:
    n_replies = int(visible * reply_share)
    n_top = max(1, visible - n_replies)
    n_future = int(visible * future_share)

    def make(created: int, parent: DemoComment | None) -> DemoComment:
        content = writer.comment(video.desc)
        nickname = str(_field(content, "author") or f"用户{rng.randrange(10**6, 10**7)}")
        text = str(_field(content, "text") or _field(content, "title") or "顶")
        if parent is not None and rng.random() < 0.3:
            text = f"回复 @{parent.user.nickname}：{text}"
        return DemoComment(
            cid=mint.next("7"), aweme_id=video.aweme_id, text=text, create_time=created,
            ip_label=province if rng.random() < 0.8 else rng.choice(_OTHER_PROVINCES),
            digg_count=int(rng.paretovariate(1.3)) - 1, user=DemoUser.named(nickname),
            reply_id=parent.cid if parent else "0", kind=str(_field(content, "kind") or "chatter"))

    def when(future: bool, after: int) -> int:
        if future:
            return rng.randrange(start + 1, start + horizon_s)
        return rng.randrange(min(after + 60, start), start + 1)

    tops = [make(when(False, video.create_time), None) for _ in range(n_top)]
    tops += [make(when(True, start), None) for _ in range(max(0, n_future - n_future // 4))]
    tops.sort(key=lambda c: c.create_time)
    # Replies cluster on a few comments, as they do on real videos.
    parents = [c for c in tops if c.create_time <= start] or tops
    hot = rng.sample(parents, k=min(len(parents), max(1, n_replies // 3)))
    for count, is_future in ((n_replies, False), (n_future // 4, True)):
        for _ in range(count):
            parent = rng.choice(hot)
            created = when(is_future, parent.create_time) if is_future else \
                rng.randrange(min(parent.create_time + 30, start), start + 1)
            parent.replies.append(make(max(created, parent.create_time), parent))
    for comment in tops:
        comment.replies.sort(key=lambda c: c.create_time)
    video.comments = tops
