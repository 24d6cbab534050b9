"""Run the demo forum: in-process on a thread (tests, bench, ``minsheng demo``) or alone.

``serve_forum()`` binds 127.0.0.1 on the given port (0: a free one), starts uvicorn on a
daemon thread and returns a handle whose ``stop()`` shuts it down cleanly.
"""
from __future__ import annotations

import argparse
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from demo.content import DemoWriter
from demo.forum.app import create_forum_app
from demo.forum.faults import Faults
from demo.forum.state import DEFAULT_BOARDS, BoardSpec, ForumState

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_GAZETTEER = REPO_ROOT / "demo" / "data" / "gazetteer.csv"
DEFAULT_SHARED = REPO_ROOT / ".." / "shared"


@dataclass
class ForumServer:
    """A running demo forum."""

    state: ForumState
    host: str
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    def board_url(self, fid: int, *, rewrite: bool = True) -> str:
        """A board's first list page, in the rewritten or the plain URL style."""
        if rewrite:
            return f"{self.url}forum-{fid}-1.html"
        return f"{self.url}forum.php?mod=forumdisplay&fid={fid}"

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)


def make_state(gazetteer: Path = DEFAULT_GAZETTEER, shared_dir: Path | None = DEFAULT_SHARED, *, seed: int = 7,
               boards: tuple[BoardSpec, ...] = DEFAULT_BOARDS, faults: Faults | None = None,
               **options: object) -> ForumState:
    """A forum state with content from ``DemoWriter`` over ``gazetteer``."""
    writer = DemoWriter(gazetteer, shared_dir, seed=seed)
    return ForumState(writer, boards=boards, faults=faults, **options)  # type: ignore[arg-type]


def serve_forum(port: int = 0, state: ForumState | None = None, *, host: str = "127.0.0.1",
                start_timeout_s: float = 15.0, **state_options: object) -> ForumServer:
    """Serve ``state`` (or a new default forum) on a background thread; returns once it listens."""
    state = state or make_state(**state_options)  # type: ignore[arg-type]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    config = uvicorn.Config(create_forum_app(state), log_level="warning", access_log=False, lifespan="off",
                            loop="asyncio", http="h11", timeout_keep_alive=30, backlog=1024)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="demo-forum", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"demo forum did not start on {host}:{port}")
        time.sleep(0.02)
    return ForumServer(state, host, sock.getsockname()[1], server, thread)


def main(argv: list[str] | None = None) -> None:
    """``python -m demo.forum --port N``: serve the demo forum until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m demo.forum", description="禾城论坛: the demo Discuz! forum")
    parser.add_argument("--port", type=int, default=8061)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="threads on board 2 (default: the demo's size)")
    args = parser.parse_args(argv)
    boards = DEFAULT_BOARDS
    if args.threads:
        boards = (BoardSpec(2, "南湖民生", "utf-8", True, args.threads),) + DEFAULT_BOARDS[1:]
    try:
        state = make_state(args.gazetteer, args.shared, seed=args.seed, boards=boards)
    except (FileNotFoundError, ValueError) as exc:
        parser.exit(2, f"demo forum: {exc}\n")
    forum = serve_forum(args.port, state, host=args.host)
    print(f"demo forum at {forum.url} (boards: {', '.join(forum.board_url(f) for f in state.boards)})", flush=True)
    try:
        while forum.thread.is_alive():
            forum.thread.join(1.0)
    except KeyboardInterrupt:
        forum.stop()
