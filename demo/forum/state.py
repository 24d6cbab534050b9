"""The demo forum's data: boards, threads and floors that grow over time.

The forum starts with some days of history and then grows: new threads, replies and
edited floors appear as its clock advances (wall time in the demo, a test's clock in
tests). All content comes from ``DemoWriter``, so a seed gives the same forum.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from demo.content import DemoText, DemoWriter
from demo.forum.faults import Faults

CHINA = ZoneInfo("Asia/Shanghai")


@dataclass
class Floor:
    pid: int
    author: str
    uid: int
    posted_at: datetime
    text: str
    quote_pid: int | None = None
    edited_at: datetime | None = None
    sign: str | None = None


@dataclass
class Thread:
    tid: int
    fid: int
    subject: str
    kind: str
    floors: list[Floor]
    content: DemoText
    sticky: bool = False
    views: int = 0

    @property
    def replies(self) -> int:
        return len(self.floors) - 1

    @property
    def last_post(self) -> datetime:
        return self.floors[-1].posted_at


@dataclass
class BoardSpec:
    """A board to create: its fid, name, page encoding and URL style."""

    fid: int
    name: str
    encoding: str = "utf-8"
    rewrite: bool = True  # links as forum-2-1.html / thread-T-P-1.html
    threads: int = 60
    private: bool = False  # disallowed by robots.txt


DEFAULT_BOARDS = (
    BoardSpec(2, "南湖民生", "utf-8", True, 60),
    BoardSpec(5, "秀洲生活", "gbk", False, 45),
    BoardSpec(9, "站务管理", "utf-8", True, 5, private=True),
    BoardSpec(12, "二手交易", "utf-8", True, 0),
)


@dataclass
class Board:
    spec: BoardSpec
    tids: list[int] = field(default_factory=list)


class ForumState:
    """All boards, threads and floors, plus growth, faults and a request log."""

    def __init__(self, writer: DemoWriter, *, boards: tuple[BoardSpec, ...] = DEFAULT_BOARDS,
                 clock: Callable[[], datetime] | None = None, threads_per_page: int = 20,
                 posts_per_page: int = 10, history_days: float = 10.0, faults: Faults | None = None,
                 threads_per_hour: float = 6.0, replies_per_hour: float = 30.0, edits_per_hour: float = 2.0) -> None:
        self.writer = writer
        self.clock = clock or (lambda: datetime.now(CHINA))
        self.threads_per_page, self.posts_per_page = threads_per_page, posts_per_page
        self.faults = faults or Faults()
        self.rates = {"threads": threads_per_hour, "replies": replies_per_hour, "edits": edits_per_hour}
        self.lock = threading.RLock()
        self.boards: dict[int, Board] = {spec.fid: Board(spec) for spec in boards}
        self.threads: dict[int, Thread] = {}
        self.uids: dict[str, int] = {}
        self.hits: Counter[str] = Counter()  # request paths served, for tests and /_admin/stats
        self._next_tid, self._next_pid = 1000, 5000
        self._grown_until = self.clock()
        self._seed_history(history_days)

    # -- building -------------------------------------------------------------------
    def _uid(self, author: str) -> int:
        return self.uids.setdefault(author, 100 + len(self.uids))

    def _floor(self, author: str, text: str, at: datetime, quote_pid: int | None = None) -> Floor:
        self._next_pid += 1
        sign = "家住嘉兴，热爱生活" if self._uid(author) % 7 == 0 else None
        # Forums show whole seconds; keeping microseconds would make the page and the data differ.
        return Floor(self._next_pid, author, self._uid(author), at.replace(microsecond=0), text, quote_pid, sign=sign)

    def add_thread(self, fid: int, at: datetime, content: DemoText | None = None, sticky: bool = False) -> Thread:
        """Post a new thread on board ``fid`` at time ``at``."""
        with self.lock:
            content = content or self.writer.thread()
            self._next_tid += 1
            thread = Thread(self._next_tid, fid, content.title, content.kind,
                            [self._floor(content.author, content.text, at)], content, sticky)
            self.threads[thread.tid] = thread
            self.boards[fid].tids.append(thread.tid)
            return thread

    def add_reply(self, tid: int, at: datetime) -> Floor:
        """A reply on thread ``tid``; now and then it quotes an earlier floor."""
        with self.lock:
            thread = self.threads[tid]
            reply = self.writer.reply(thread.content)
            quote = None
            if len(thread.floors) > 2 and self.writer.rng.random() < 0.15:
                quote = self.writer.rng.choice(thread.floors[1:]).pid
            floor = self._floor(reply.author, reply.text, max(at, thread.last_post), quote)
            thread.floors.append(floor)
            return floor

    def edit_thread(self, tid: int, at: datetime) -> Floor:
        """The original poster amends the first floor and bumps the thread, as OPs do."""
        with self.lock:
            thread = self.threads[tid]
            first = thread.floors[0]
            first.text += "\n" + self.writer.amendment(thread.content)
            first.edited_at = at
            thread.floors.append(self._floor(first.author, self.writer.rng.choice(("顶", "自己顶一下", "还没人管吗")),
                                             max(at, thread.last_post)))
            return first

    def _seed_history(self, days: float) -> None:
        now = self._grown_until
        rng = self.writer.rng
        for board in self.boards.values():
            if board.spec.threads:
                rules = DemoText("【版规】" + board.spec.name + "发帖须知", "请文明发帖，反映问题请写清楚具体地点和时间。"
                                 "广告帖一律删除。", "版主", "chatter")
                self.add_thread(board.spec.fid, now - timedelta(days=days + 30), rules, sticky=True)
            for index in range(board.spec.threads):
                # Spread threads over the history window, oldest first.
                at = now - timedelta(days=days) + timedelta(days=days) * (index + rng.random()) / board.spec.threads
                thread = self.add_thread(board.spec.fid, min(at, now))
                for _ in range(int(rng.expovariate(1 / 5.0)) if rng.random() < 0.85 else rng.randint(15, 45)):
                    thread_age = (now - thread.last_post).total_seconds()
                    self.add_reply(thread.tid, thread.last_post + timedelta(seconds=rng.random() * thread_age / 3))
                thread.views = thread.replies * rng.randint(8, 40) + rng.randint(10, 200)

    # -- growth -----------------------------------------------------------------------
    def _public_tids(self) -> list[int]:
        return [t for b in self.boards.values() if not b.spec.private for t in b.tids if not self.threads[t].sticky]

    def grow(self, *, threads: int = 0, replies: int = 0, edits: int = 0, at: datetime | None = None) -> dict[str, list[int]]:
        """Add threads, replies and edits now; returns the tids touched, by change."""
        with self.lock:
            at = at or self.clock()
            rng = self.writer.rng
            fids = [b.spec.fid for b in self.boards.values() if b.spec.threads and not b.spec.private]
            changed: dict[str, list[int]] = {"threads": [], "replies": [], "edits": []}
            for _ in range(threads):
                changed["threads"].append(self.add_thread(rng.choice(fids), at).tid)
            for _ in range(replies):
                # Recent threads draw most replies, as on a real board.
                tids = self._public_tids()
                tid = tids[-1 - min(int(rng.expovariate(1 / 8.0)), len(tids) - 1)]
                self.add_reply(tid, at)
                changed["replies"].append(tid)
            for _ in range(edits):
                tid = rng.choice(self._public_tids())
                self.edit_thread(tid, at)
                changed["edits"].append(tid)
            return changed

    def tick(self) -> None:
        """Grow by the time elapsed on the clock since the last growth (rates per hour)."""
        with self.lock:
            now = self.clock()
            hours = (now - self._grown_until).total_seconds() / 3600
            counts = {name: int(rate * hours) for name, rate in self.rates.items()}
            if not any(counts.values()):
                return
            self.grow(threads=counts["threads"], replies=counts["replies"], edits=counts["edits"], at=now)
            self._grown_until = now

    # -- views ------------------------------------------------------------------------
    def board_threads(self, fid: int) -> list[Thread]:
        """The board's threads as Discuz lists them: stickies, then by last post, newest first."""
        with self.lock:
            threads = [self.threads[t] for t in self.boards[fid].tids]
            threads.sort(key=lambda t: (not t.sticky, -t.last_post.timestamp(), -t.tid))
            return threads

    def floor_count(self) -> int:
        with self.lock:
            return sum(len(t.floors) for t in self.threads.values()
                       if not self.boards[t.fid].spec.private)
