"""Discuz! X3.4 markup for the demo forum's list and thread pages.

The templates copy the stock theme's structure (``tbody#normalthread_N``, ``a.s.xst``,
``div#post_PID > table#pidPID``, ``em#authorposton PID``, ``td.t_f#postmessage_PID``),
including what makes real pages awkward to scrape: relative times, quotes, edit notes,
signatures and "jammer" anti-copy text.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from demo.forum.state import Board, Floor, ForumState, Thread

_NAMED_FLOORS = {1: "楼主", 2: "沙发", 3: "板凳", 4: "地板"}


def discuz_date(moment: datetime, now: datetime) -> tuple[str, str | None]:
    """Discuz's "u" date format: (text shown, absolute title) — relative within a week."""
    seconds = (now - moment).total_seconds()
    full = f"{moment.year}-{moment.month}-{moment.day} {moment:%H:%M}"
    title = f"{full}:{moment:%S}"
    days = (now.date() - moment.date()).days
    if seconds < 0 or days >= 7:
        return full, None
    if seconds < 60:
        return f"{max(int(seconds), 1)} 秒前", title
    if seconds < 3600:
        minutes = int(seconds // 60)
        return ("半小时前" if minutes == 30 else f"{minutes} 分钟前"), title
    if days == 0:
        return f"{int(seconds // 3600)} 小时前", title
    if days == 1:
        return f"昨天&nbsp;{moment:%H:%M}", title
    if days == 2:
        return f"前天&nbsp;{moment:%H:%M}", title
    return f"{days}&nbsp;天前", title


def board_url(fid: int, page: int, rewrite: bool) -> str:
    if rewrite:
        return f"forum-{fid}-{page}.html"
    return f"forum.php?mod=forumdisplay&fid={fid}" + (f"&page={page}" if page != 1 else "")


def thread_url(tid: int, page: int, rewrite: bool, list_page: int = 1) -> str:
    if rewrite:
        return f"thread-{tid}-{page}-{list_page}.html"
    return f"forum.php?mod=viewthread&tid={tid}&extra=page%3D{list_page}" + (f"&page={page}" if page != 1 else "")


class ForumMarkup:
    """Renders pages of a ``ForumState``; ``base`` is the site root URL."""

    def __init__(self, state: ForumState) -> None:
        self.state = state
        self.env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                               autoescape=select_autoescape(["html"]), auto_reload=False)

    def _page(self, template: str, board: Board, base: str, **context: Any) -> str:
        now = self.state.clock()
        return self.env.get_template(template).render(
            charset=board.spec.encoding, base=base, board=board.spec, now_text=f"{now:%Y-%m-%d %H:%M}",
            board_url=lambda p: board_url(board.spec.fid, p, board.spec.rewrite), **context)

    def list_page(self, fid: int, page: int, base: str) -> tuple[str, int]:
        """Board ``fid``'s page ``page`` (clamped, as Discuz does) and its page count."""
        board, state = self.state.boards[fid], self.state
        threads = [] if fid in state.faults.empty_boards else state.board_threads(fid)
        normal = [t for t in threads if not t.sticky]
        total = max(1, math.ceil(len(normal) / state.threads_per_page))
        page = min(max(page, 1), total)
        shown = ([t for t in threads if t.sticky] if page == 1 else []) + \
            normal[(page - 1) * state.threads_per_page: page * state.threads_per_page]
        now = state.clock()
        rows = [self._row(t, board, page, now) for t in shown]
        today = sum(1 for t in normal if t.floors[0].posted_at.date() == now.date())
        html = self._page("forumdisplay.html", board, base, rows=rows, page=page, total_pages=total,
                          page_no=page, thread_total=len(threads), today=today)
        return html, page

    def _row(self, thread: Thread, board: Board, list_page: int, now: datetime) -> dict[str, Any]:
        rewrite = board.spec.rewrite
        created_text, created_title = discuz_date(thread.floors[0].posted_at, now)
        last_text, last_title = discuz_date(thread.last_post, now)
        # The list shows only the date of the thread's creation, like the stock theme.
        created_text = created_text.split(" ")[0] if created_title is None else created_text
        return {
            "tid": thread.tid, "sticky": thread.sticky, "subject": thread.subject,
            "label": {"complaint": "投诉", "praise": "表扬", "ad": "广告"}.get(thread.kind, ""),
            "url": thread_url(thread.tid, 1, rewrite, list_page),
            "page_url": lambda p, tid=thread.tid: thread_url(tid, p, rewrite, list_page),
            "pages": math.ceil(len(thread.floors) / self.state.posts_per_page),
            "author": thread.floors[0].author, "uid": thread.floors[0].uid,
            "created_text": _unescape_nbsp(created_text), "created_title": created_title,
            "replies": thread.replies, "views": thread.views, "last_author": thread.floors[-1].author,
            "last_text": _unescape_nbsp(last_text), "last_title": last_title,
        }

    def thread_page(self, tid: int, page: int, base: str) -> tuple[str, int]:
        """Thread ``tid``'s page ``page`` (clamped) and the page number served."""
        state = self.state
        thread = state.threads[tid]
        board = state.boards[thread.fid]
        per = state.posts_per_page
        total = max(1, math.ceil(len(thread.floors) / per))
        page = min(max(page, 1), total)
        now = state.clock()
        by_pid = {f.pid: f for f in thread.floors}
        floors = [self._floor(f, (page - 1) * per + i + 1, by_pid, now)
                  for i, f in enumerate(thread.floors[(page - 1) * per: page * per])]
        thread.views += 1
        html = self._page("viewthread.html", board, base, thread=thread, floors=floors, page=page, page_no=page,
                          total_pages=total, thread_url=lambda p: thread_url(tid, p, board.spec.rewrite))
        return html, page

    def _floor(self, floor: Floor, number: int, by_pid: dict[int, Floor], now: datetime) -> dict[str, Any]:
        time_text, time_title = discuz_date(floor.posted_at, now)
        lines = [escape(line) for line in floor.text.split("\n")]
        if floor.pid % 5 == 0 and lines:
            # Discuz's anti-copy "jammer": random characters hidden by CSS at line breaks.
            lines[0] += f'<font class="jammer">{floor.pid % 9973:x}k</font>'
            if len(lines) > 1:
                lines[1] = f'<span style="display:none">{floor.uid}Xq</span>' + lines[1]
        quote = None
        if floor.quote_pid in by_pid:
            quoted = by_pid[floor.quote_pid]
            text = quoted.text.split("\n")[0]
            quote = {"pid": quoted.pid, "author": quoted.author, "time": discuz_date(quoted.posted_at, now)[0].replace("&nbsp;", " "),
                     "text": text[:30] + ("..." if len(text) > 30 else "")}
        edit_note = None
        if floor.edited_at is not None:
            edited = floor.edited_at
            edit_note = f"本帖最后由 {floor.author} 于 {edited.year}-{edited.month}-{edited.day} {edited:%H:%M} 编辑"
        label = _NAMED_FLOORS.get(number) or f"<em>{number}</em><sup>#</sup>"
        return {"pid": floor.pid, "uid": floor.uid, "author": floor.author, "floor_label": label,
                "time_text": _unescape_nbsp(time_text), "time_title": time_title, "html": "<br />\r\n".join(lines),
                "quote": quote, "edit_note": edit_note, "sign": floor.sign}

    def changed_page(self, title: str, threads: list[Thread], charset: str,
                     url: Callable[[Thread], str]) -> str:
        """A different theme's markup: what a board looks like after a template change."""
        items = [{"id": t.tid, "url": url(t), "title": t.subject, "author": t.floors[0].author,
                  "time": f"{t.last_post:%Y-%m-%d %H:%M}", "text": t.floors[0].text[:60]} for t in threads]
        return self.env.get_template("changed.html").render(title=title, items=items, charset=charset)


def _unescape_nbsp(text: str) -> str:
    # Templates autoescape; Discuz writes a real no-break space where we wrote &nbsp;.
    return text.replace("&nbsp;", "\u00a0")
