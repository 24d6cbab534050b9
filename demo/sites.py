"""The stand-in sites `minsheng demo` crawls: the Discuz! forum and the short-video site.

Each listens on 127.0.0.1 at the port its demo source's URLs name, and grows in wall
time, faster than a real board, so that every scheduled crawl finds new work.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from demo.forum.serve import make_state, serve_forum
from demo.video.server import VideoSiteServer, build_state, default_writer


class DemoSiteError(RuntimeError):
    """The demo config names no usable local port for a demo site."""


def local_port(urls: Sequence[str], kind: str) -> int | None:
    """The one 127.0.0.1 port a source's URLs point at, or None when it has no URLs."""
    ports = {urlsplit(url).port for url in urls if urlsplit(url).hostname in ("127.0.0.1", "localhost")}
    if not urls:
        return None
    if len(ports) != 1 or None in ports:
        raise DemoSiteError(f"the demo {kind} source's URLs must all point at one 127.0.0.1:PORT, got {list(urls)}")
    return ports.pop()


@dataclass
class DemoSites:
    servers: list[Any] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def start_demo_sites(settings: Any, *, forum_rates: tuple[float, float, float] = (40.0, 240.0, 6.0),
                     video_speed: float = 60.0) -> DemoSites:
    """Start the sites the demo config's discuz and douyin sources point at."""
    sites = DemoSites()
    forum_port = video_port = None
    for source in settings.sources:
        if source.kind == "discuz":
            forum_port = forum_port or local_port(source.boards, "forum")
        elif source.kind == "douyin":
            video_port = video_port or local_port([*source.videos, *source.accounts], "video")
    try:
        if forum_port:
            threads, replies, edits = forum_rates
            state = make_state(threads_per_hour=threads, replies_per_hour=replies, edits_per_hour=edits)
            forum = serve_forum(forum_port, state)
            sites.servers.append(forum)
            sites.urls["forum"] = forum.url
        if video_port:
            # speed: demo seconds per wall second, so new comments keep arriving.
            video = VideoSiteServer(build_state(default_writer(), videos=12, comments_per_video=40,
                                                start=int(time.time()), speed=video_speed),
                                    port=video_port).start()
            sites.servers.append(video)
            sites.urls["video"] = video.url
    except OSError as exc:
        sites.stop()
        raise DemoSiteError(f"cannot start a demo site: {exc} (is another demo already running?)") from None
    return sites
