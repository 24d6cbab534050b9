"""The demo video site's state: corpus, clock, fault switches and the JSON it serves.

The JSON follows the real web comment API's field names (status_code, comments,
cursor, has_more, total; cid, text, create_time, ip_label, digg_count,
reply_comment_total, reply_id, user{uid, sec_uid, nickname}) so the crawler is
built against the platform's shape, not an invention of the demo.
"""
from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from demo.video.corpus import DemoComment, DemoVideo


@dataclass
class Faults:
    """Switches for tests: every Nth comment-API request is rate-limited or fails."""

    slow_ms: int = 0
    rate_limit_every: int = 0  # every Nth API request answers 429 with Retry-After
    retry_after_s: int = 1
    fail_every: int = 0  # every Nth API request answers 500
    require_js: bool = True  # False: the first comment page is also server-rendered

    def update(self, changes: dict[str, Any]) -> None:
        for key, value in changes.items():
            if key not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault switch {key!r}")
            setattr(self, key, type(getattr(self, key))(value))


class DemoClock:
    """Site time in epoch seconds: a fixed start, advanced by hand or at ``speed``× wall time."""

    def __init__(self, start: int, speed: float = 0.0) -> None:
        self.start, self.speed = start, speed
        self._offset = 0.0
        self._wall0 = time.monotonic()

    def now(self) -> int:
        return int(self.start + self._offset + (time.monotonic() - self._wall0) * self.speed)

    def advance(self, seconds: float) -> int:
        self._offset += seconds
        return self.now()


class VideoSiteState:
    """Everything the app serves; thread-safe enough for uvicorn's one event loop plus tests."""

    def __init__(self, videos: list[DemoVideo], clock: DemoClock, faults: Faults | None = None) -> None:
        self.videos = {video.aweme_id: video for video in videos}
        self.clock = clock
        self.faults = faults or Faults()
        self.api_requests = 0
        self.served: dict[str, int] = {"ok": 0, "429": 0, "500": 0}
        # (aweme_id, cursor) of every comment-list request answered: shows repeats and misses.
        self.list_requests: Counter[tuple[str, int]] = Counter()
        self._lock = threading.Lock()

    # -- faults -------------------------------------------------------------------------
    def next_fault(self) -> int | None:
        """Count one API request; say which error status (if any) it gets."""
        with self._lock:
            self.api_requests += 1
            n = self.api_requests
            status = None
            if self.faults.rate_limit_every and n % self.faults.rate_limit_every == 0:
                status = 429
            elif self.faults.fail_every and n % self.faults.fail_every == 0:
                status = 500
            self.served[str(status) if status else "ok"] += 1
            return status

    # -- queries --------------------------------------------------------------------------
    def video(self, aweme_id: str) -> DemoVideo | None:
        return self.videos.get(aweme_id)

    def visible_comments(self, video: DemoVideo) -> list[DemoComment]:
        """Top-level comments that exist at the clock's now, newest first (as the web app lists them)."""
        now = self.clock.now()
        return sorted((c for c in video.comments if c.create_time <= now),
                      key=lambda c: (c.create_time, c.cid), reverse=True)

    def visible_replies(self, comment: DemoComment) -> list[DemoComment]:
        now = self.clock.now()
        return [r for r in comment.replies if r.create_time <= now]

    def comment_json(self, comment: DemoComment) -> dict[str, Any]:
        return {
            "cid": comment.cid, "aweme_id": comment.aweme_id, "text": comment.text,
            "create_time": comment.create_time, "ip_label": comment.ip_label,
            "digg_count": comment.digg_count,
            "reply_comment_total": len(self.visible_replies(comment)) if comment.reply_id == "0" else 0,
            "reply_id": comment.reply_id, "reply_to_reply_id": comment.reply_to_reply_id,
            "status": 1, "user": comment.user.as_json(),
        }

    def comment_page(self, aweme_id: str, cursor: int, count: int, *, record: bool = True) -> dict[str, Any]:
        if record:
            self.list_requests[(aweme_id, cursor)] += 1
        video = self.videos.get(aweme_id)
        items = self.visible_comments(video) if video else []
        return self._page(items, cursor, count)

    def reply_page(self, aweme_id: str, comment_id: str, cursor: int, count: int) -> dict[str, Any]:
        video = self.videos.get(aweme_id)
        parent = next((c for c in video.comments if c.cid == comment_id), None) if video else None
        return self._page(self.visible_replies(parent) if parent else [], cursor, count)

    def _page(self, items: list[DemoComment], cursor: int, count: int) -> dict[str, Any]:
        cursor, count = max(0, cursor), max(1, min(count, 50))
        chunk = items[cursor:cursor + count]
        # The platform answers an empty page with comments: null, so the demo does too.
        return {"status_code": 0, "comments": [self.comment_json(c) for c in chunk] or None,
                "cursor": cursor + len(chunk), "has_more": int(cursor + len(chunk) < len(items)),
                "total": len(items)}

    def video_json(self, video: DemoVideo) -> dict[str, Any]:
        return {"aweme_id": video.aweme_id, "desc": video.desc, "create_time": video.create_time,
                "author": video.author.as_json(),
                "statistics": {"comment_count": sum(1 + len(self.visible_replies(c))
                                                    for c in self.visible_comments(video))}}

    def account_videos(self, sec_uid: str) -> list[DemoVideo]:
        now = self.clock.now()
        return sorted((v for v in self.videos.values()
                       if v.author.sec_uid == sec_uid and v.create_time <= now),
                      key=lambda v: v.create_time, reverse=True)

    def accounts(self) -> list[dict[str, str]]:
        seen = {v.author.sec_uid: v.author for v in self.videos.values()}
        return [asdict(user) for user in seen.values()]

    def totals(self) -> dict[str, int]:
        """How many comments and replies are visible now, for tests and the bench."""
        comments = replies = 0
        for video in self.videos.values():
            for comment in self.visible_comments(video):
                comments += 1
                replies += len(self.visible_replies(comment))
        return {"videos": len(self.videos), "comments": comments, "replies": replies}
