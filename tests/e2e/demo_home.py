"""A `minsheng demo`-like home for the browser tests, filled by real ingest of demo content.

The demo writer generates residents' posts about the demo gazetteer's places; they go
through ``Runtime.ingest`` (tagger, store, search index, case engine), exactly as a crawl's
posts would. A few posts are added on purpose: one hostile, one with a phone number, one
naming a place the gazetteer does not know (for the needs-location queue).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from api.auth import create_key
from api.runtime import Runtime
from api.settings import load_settings
from crawlers.items import RawPost
from demo.content import DemoWriter

REPO = Path(__file__).resolve().parents[2]
DEMO_GAZETTEER = REPO / "demo" / "data" / "gazetteer.csv"
SHARED = REPO.parent / "shared" / "data" / "wenzheng"
EVIL_HOST = "evil.invalid"
HOSTILE_TITLE = '中央城电梯<script>alert("xss")</script>'
HOSTILE_TEXT = (f'中央城小区电梯坏了三天没人修<img src="http://{EVIL_HOST}/x.png" onerror="alert(2)">'
                "请物业尽快处理\u202egpj.exe")
PHONE = "13812345678"
UNKNOWN_SPAN = "锦绣家园"
CONFIG = """home: {home}
gazetteer: {gazetteer}
nlp: {{jurisdiction: 嘉兴市}}
sources:
  - {{id: jx9qu, kind: discuz, name: 嘉兴第九区·民生, boards: ["http://127.0.0.1:9/forum-2-1.html"]}}
  - {{id: nanhu-video, kind: douyin, name: 南湖身边事·短视频, videos: ["7000000000000000001"]}}
"""


@dataclass
class DemoHome:
    config: Path
    keys: dict[str, str]
    hostile_post_id: int
    phone_post_id: int


def _forum_posts(writer: DemoWriter, now: datetime, threads: int) -> list[RawPost]:
    posts = []
    for i in range(threads):
        thread = writer.thread()
        at = now - timedelta(hours=3 * i + 1)
        tid = f"t{i}"
        posts.append(RawPost(source_id="jx9qu", external_id=tid, kind="thread", title=thread.title, text=thread.text,
                             published_at=at, url=f"http://127.0.0.1:8101/thread-{i}-1-1.html",
                             thread_external_id=tid, author_id=f"uid{i % 40}", author_name=thread.author, floor=1))
        for floor in range(2, 2 + i % 3):
            reply = writer.reply(thread)
            posts.append(RawPost(source_id="jx9qu", external_id=f"{tid}-{floor}", kind="reply", text=reply.text,
                                 published_at=at + timedelta(minutes=7 * floor), thread_external_id=tid,
                                 parent_external_id=tid, author_id=f"uid{(i + floor) % 40}",
                                 author_name=reply.author, floor=floor, context=thread.title,
                                 url=f"http://127.0.0.1:8101/thread-{i}-1-1.html#pid{floor}"))
    return posts


def _video_posts(writer: DemoWriter, now: datetime, videos: int) -> list[RawPost]:
    posts = []
    for v in range(videos):
        video = writer.video_title()
        vid = f"7000000000000000{v:03d}"
        at = now - timedelta(hours=11 * v + 2)
        posts.append(RawPost(source_id="nanhu-video", external_id=vid, kind="video", title=video.title,
                             published_at=at, thread_external_id=vid, author_name=video.author,
                             url=f"http://127.0.0.1:8102/video/{vid}"))
        for c in range(6):
            comment = writer.comment(video.title)
            posts.append(RawPost(source_id="nanhu-video", external_id=f"{vid}-c{c}", kind="comment",
                                 text=comment.text, published_at=at + timedelta(minutes=5 * c + 1),
                                 thread_external_id=vid, parent_external_id=vid, author_id=f"dy{v}{c}",
                                 author_name=comment.author, context=video.title))
    return posts


def _special_posts(now: datetime) -> list[RawPost]:
    common = {"source_id": "jx9qu", "kind": "thread"}
    return [
        RawPost(**common, external_id="evil", title=HOSTILE_TITLE, text=HOSTILE_TEXT, thread_external_id="evil",
                published_at=now - timedelta(minutes=30), url="javascript:alert(3)",
                author_id="evil-user", author_name="\u202eresu<b>evil</b>"),
        RawPost(**common, external_id="phone", title="龙川家园门口路灯不亮",
                text=f"龙川家园门口路灯坏了一个星期，晚上很危险，联系电话{PHONE}，请尽快修理",
                thread_external_id="phone", published_at=now - timedelta(minutes=50), author_id="phone-user",
                author_name="龙川居民"),
        RawPost(**common, external_id="unknown-place", title=f"{UNKNOWN_SPAN}门口垃圾没人清理",
                text=f"{UNKNOWN_SPAN}门口垃圾堆了好几天，臭气熏天，没人清理，希望环卫部门尽快处理",
                thread_external_id="unknown-place", published_at=now - timedelta(minutes=70),
                author_id="queue-user", author_name="老住户"),
    ]


def build_demo_home(root: Path, *, threads: int = 80, videos: int = 8) -> DemoHome:
    """Write the config, create one key per role, and ingest demo content into ``root``."""
    config = root / "minsheng.yaml"
    config.write_text(CONFIG.format(home=root / "home", gazetteer=DEMO_GAZETTEER), encoding="utf-8")
    runtime = Runtime.from_settings(load_settings(config))
    try:
        keys = {role: create_key(runtime.store, f"e2e-{role}", role)
                for role in ("viewer", "operator", "dispatch", "admin")}
        writer = DemoWriter(DEMO_GAZETTEER, SHARED if SHARED.is_dir() else None, seed=9)
        now = datetime.now(timezone.utc)
        posts = _forum_posts(writer, now, threads) + _video_posts(writer, now, videos)
        posts.sort(key=lambda p: p.published_at)
        report = runtime.ingest(posts, now=now)
        if report.errors:
            raise RuntimeError(f"demo ingest failed: {report.errors[:3]}")
        special = runtime.ingest(_special_posts(now), now=now)
        if special.errors:
            raise RuntimeError(f"demo ingest failed: {special.errors}")
        ids = dict(zip(("evil", "phone", "unknown"), special.post_ids))
        return DemoHome(config=config, keys=keys, hostile_post_id=ids["evil"], phone_post_id=ids["phone"])
    finally:
        runtime.close()
