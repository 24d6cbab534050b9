"""Run the demo video site in-process on a thread (tests, bench) or as ``python -m demo.video``."""
from __future__ import annotations

import socket
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

import uvicorn

from demo.video.app import create_video_app
from demo.video.corpus import ContentWriter, build_corpus
from demo.video.state import DemoClock, Faults, VideoSiteState

# The demo's "now" at start: fixed, so generated content is the same on every run.
DEFAULT_START = int(datetime(2024, 5, 20, 9, 0, tzinfo=timezone.utc).timestamp())


def default_writer(seed: int = 7) -> ContentWriter:
    """The shared demo content writer (demo/content.py) over the bundled gazetteer and shared data."""
    from demo.content import DemoWriter  # noqa: PLC0415 - owned by the forum demo, loads data

    root = Path(__file__).resolve().parents[2]
    return DemoWriter(root / "demo" / "data" / "gazetteer.csv", root / ".." / "shared", seed)


def build_state(writer: ContentWriter, *, videos: int = 12, comments_per_video: int = 30,
                seed: int = 7, start: int = DEFAULT_START, speed: float = 0.0,
                faults: Faults | None = None) -> VideoSiteState:
    """A site state with generated local videos; ``speed`` > 0 lets new comments appear in wall time."""
    corpus = build_corpus(writer, videos=videos, comments_per_video=comments_per_video,
                          start=start, seed=seed)
    return VideoSiteState(corpus, DemoClock(start, speed=speed), faults)


class VideoSiteServer:
    """uvicorn on a daemon thread, bound to 127.0.0.1 (a free port unless one is given)."""

    def __init__(self, state: VideoSiteState, port: int = 0, host: str = "127.0.0.1") -> None:
        self.state = state
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(create_video_app(state), log_level="warning", access_log=False,
                                lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name="demo-video-site", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout_s: float = 15.0) -> "VideoSiteServer":
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"demo video site did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> "VideoSiteServer":
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
