"""The demo forum as an ASGI app: Discuz! X URLs, robots.txt, encodings and faults.

Serves both URL styles (``forum.php?mod=forumdisplay&fid=N&page=P`` and the rewritten
``forum-N-P.html`` / ``thread-T-P-1.html``), each board in its own charset, and a small
admin API (``/_admin/…``) that tests and ``minsheng demo`` use to grow the forum and
switch faults on.
"""
from __future__ import annotations

import asyncio
import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from demo.forum.markup import ForumMarkup, board_url, thread_url
from demo.forum.state import ForumState

_BOARD_PATH = re.compile(r"^/forum-(\d+)-(\d+)\.html$")
_THREAD_PATH = re.compile(r"^/thread-(\d+)-(\d+)-(\d+)\.html$")


def robots_txt(state: ForumState) -> str:
    """Stock Discuz! X robots.txt plus the private boards, in both URL styles."""
    lines = ["#", "# robots.txt for Discuz! X3", "#", "", "User-agent: *",
             "Disallow: /api/", "Disallow: /data/", "Disallow: /source/", "Disallow: /install/",
             "Disallow: /template/", "Disallow: /config/", "Disallow: /uc_client/", "Disallow: /uc_server/",
             "Disallow: /static/", "Disallow: /admin.php", "Disallow: /search.php", "Disallow: /member.php",
             "Disallow: /api.php", "Disallow: /misc.php", "Disallow: /connect.php", "Disallow: /home.php",
             "Disallow: /forum.php?mod=redirect*", "Disallow: /forum.php?mod=post*", "Disallow: /_admin/"]
    for board in state.boards.values():
        if board.spec.private:
            fid = board.spec.fid
            lines += [f"Disallow: /forum-{fid}-", f"Disallow: /forum.php?mod=forumdisplay&fid={fid}"]
            lines += [f"Disallow: /thread-{tid}-" for tid in board.tids]
            lines += [f"Disallow: /forum.php?mod=viewthread&tid={tid}&" for tid in board.tids]
    return "\n".join(lines) + "\n"


class ForumApp:
    """Request handling around one ``ForumState``."""

    def __init__(self, state: ForumState) -> None:
        self.state = state
        self.markup = ForumMarkup(state)

    async def dispatch(self, request: Request) -> Response:
        path, query = request.url.path, request.query_params
        if path == "/robots.txt":
            self.state.hits["robots"] += 1
            return PlainTextResponse(robots_txt(self.state))
        if path.startswith("/_admin/"):
            return await self.admin(request, path[len("/_admin/"):])
        if match := _BOARD_PATH.match(path):
            return await self.page("list", int(match[1]), int(match[2]), request)
        if match := _THREAD_PATH.match(path):
            return await self.page("thread", int(match[1]), int(match[2]), request)
        if path in ("/forum.php", "/") and query.get("mod") == "forumdisplay" and query.get("fid", "").isdigit():
            return await self.page("list", int(query["fid"]), _int(query.get("page")), request)
        if path == "/forum.php" and query.get("mod") == "viewthread" and query.get("tid", "").isdigit():
            return await self.page("thread", int(query["tid"]), _int(query.get("page")), request)
        if path in ("/", "/forum.php", "/index.php"):
            return self.index()
        self.state.hits["other"] += 1
        return PlainTextResponse("页面不存在", status_code=404)

    def index(self) -> Response:
        links = "".join(f'<li><a href="{board_url(b.spec.fid, 1, b.spec.rewrite)}">{b.spec.name}</a></li>'
                        for b in self.state.boards.values() if not b.spec.private)
        return Response(f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>禾城论坛</title></head>'
                        f'<body><h1>禾城论坛</h1><ul id="category_1">{links}</ul></body></html>',
                        media_type="text/html; charset=utf-8")

    async def page(self, kind: str, ident: int, page: int, request: Request) -> Response:
        state = self.state
        state.tick()
        key = f"{kind}:{ident}:{page}"
        state.hits[kind] += 1
        state.hits[key] += 1
        verdict = state.faults.verdict(key)
        if verdict == "error":
            return PlainTextResponse("Internal Server Error", status_code=500)
        if verdict == "throttle":
            return PlainTextResponse("Too Many Requests", status_code=429,
                                     headers={"Retry-After": str(state.faults.retry_after_s)})
        if verdict == "slow":
            await asyncio.sleep(state.faults.slow_s)
        base = str(request.base_url)
        with state.lock:
            if kind == "list":
                if ident not in state.boards:
                    return PlainTextResponse("指定的版块不存在", status_code=404)
                board = state.boards[ident]
                if state.faults.changed_template:
                    html = self.markup.changed_page(board.spec.name, state.board_threads(ident), board.spec.encoding,
                                                    lambda t: thread_url(t.tid, 1, board.spec.rewrite))
                else:
                    html, _ = self.markup.list_page(ident, page, base)
            else:
                if ident not in state.threads:
                    return PlainTextResponse("抱歉，指定的主题不存在或已被删除或正在被审核", status_code=404)
                thread = state.threads[ident]
                board = state.boards[thread.fid]
                if state.faults.changed_template:
                    html = self.markup.changed_page(thread.subject, [thread], board.spec.encoding,
                                                    lambda t: thread_url(t.tid, 1, board.spec.rewrite))
                else:
                    html, _ = self.markup.thread_page(ident, page, base)
        encoding = board.spec.encoding
        body = html.encode(encoding, errors="xmlcharrefreplace")
        if kind == "thread" and ident in state.faults.misencoded_tids:
            body, encoding = html.encode("gbk", errors="xmlcharrefreplace"), "utf-8"
        if kind == "thread" and ident in state.faults.broken_tids:
            body = body[: len(body) * 45 // 100]  # the connection dropped mid-page
        return Response(body, media_type=f"text/html; charset={encoding}")

    async def admin(self, request: Request, action: str) -> Response:
        state = self.state
        if action == "stats":
            with state.lock:
                return JSONResponse({"hits": dict(state.hits), "threads": len(state.threads),
                                     "floors": state.floor_count(), "faults": state.faults.describe()})
        if request.method != "POST":
            return PlainTextResponse("use POST", status_code=405)
        try:
            body = await request.json() if await request.body() else {}
            if action == "faults":
                state.faults.update(body)
                return JSONResponse(state.faults.describe())
            if action == "grow":
                return JSONResponse(state.grow(threads=int(body.get("threads", 0)),
                                               replies=int(body.get("replies", 0)), edits=int(body.get("edits", 0))))
            if action == "reset-hits":
                state.hits.clear()
                state.faults.attempts.clear()
                return JSONResponse({"ok": True})
        except (ValueError, TypeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return PlainTextResponse("unknown admin action", status_code=404)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 1


def create_forum_app(state: ForumState) -> Starlette:
    """The ASGI app serving ``state``."""
    forum = ForumApp(state)
    app = Starlette(routes=[Route("/{path:path}", forum.dispatch, methods=["GET", "POST", "HEAD"])])
    app.state.forum = forum
    # Discuz's URLs are served exactly as written, never redirected to a trailing slash.
    app.router.redirect_slashes = False
    return app
