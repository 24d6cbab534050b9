"""Hung crawls: the whole process tree goes at the timeout, Chromium included, found by PID."""
from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from crawlers.process_tree import Ident, descendants, ident, is_alive, kill_tree, tree

# A parent that starts a child in its own session (as Playwright starts Chromium) which
# ignores SIGTERM, and a plain child, then prints both PIDs and hangs.
SPAWNER = r"""
import signal, subprocess, sys, time
detached = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"],
    start_new_session=True)
plain = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
print(detached.pid, plain.pid, flush=True)
time.sleep(600)
"""


class TreeWatcher:
    """Every process that appears under a PID while it runs (by PID and start time)."""

    def __init__(self) -> None:
        self.seen: dict[Ident, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, pid: int) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                for process in tree(pid):
                    if process not in self.seen:
                        self.seen[process] = _comm(process[0])
                self._stop.wait(0.1)
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)

    def survivors(self) -> dict[Ident, str]:
        return {process: name for process, name in self.seen.items() if is_alive(process)}


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_kill_tree_reaches_a_detached_grandchild_that_ignores_sigterm() -> None:
    process = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        detached, plain = (int(pid) for pid in process.stdout.readline().split())
        found = descendants(process.pid)
        assert {detached, plain} <= {pid for pid, _ in found}
        watched = {ident(detached), ident(plain)}
        killed = kill_tree(process.pid)
        process.wait(10)
        assert watched <= killed
        assert not any(is_alive(p) for p in watched if p)
    finally:
        if process.poll() is None:
            kill_tree(process.pid)
            process.wait()


def test_a_recycled_pid_is_not_ours() -> None:
    me = ident(subprocess.os.getpid())
    assert me is not None and is_alive(me)
    assert not is_alive((me[0], me[1] + 1))  # same PID, other start time: another process


@pytest.mark.slow
@pytest.mark.browser
def test_hung_browser_crawl_is_killed_at_its_timeout_and_leaves_nothing(tmp_path: Path) -> None:
    if not Path("/usr/bin/chromium").is_file():
        pytest.skip("needs /usr/bin/chromium")
    from api.settings import load_settings
    from crawlers.run import run_crawl
    from demo.content import DemoWriter
    from demo.video.server import VideoSiteServer, build_state
    from demo.video.state import Faults
    from index.models import CrawlRun
    from index.store import Store

    gazetteer = Path(__file__).resolve().parents[2] / "demo" / "data" / "gazetteer.csv"
    # Every comment-API answer takes ten minutes: the page and its crawl hang.
    state = build_state(DemoWriter(gazetteer, None, 5), videos=2, comments_per_video=30, seed=5,
                        faults=Faults(slow_ms=600_000))
    with VideoSiteServer(state) as site:
        config = {"home": str(tmp_path / "home"), "sources": [
            {"id": "dy", "kind": "douyin", "mode": "browser", "obey_robots": False,
             "videos": [f"{site.url}/video/{aweme}" for aweme in state.videos]}]}
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        settings = load_settings(path)
        watcher = TreeWatcher()
        summary = run_crawl(settings, "dy", timeout_s=25, grace_s=3, on_start=watcher.watch)
        watcher.stop()
        assert state.served["ok"] == 0  # nothing was ever answered: the crawl was stopped, not done
    assert summary["status"] == "timeout", summary
    assert any("chrom" in name for name in watcher.seen.values()), f"no browser started: {watcher.seen}"
    assert watcher.survivors() == {}, f"left behind: {watcher.survivors()}"
    store = Store(settings.effective_database_url)
    with store.session() as session:
        assert session.scalar(select(CrawlRun.status).order_by(CrawlRun.id.desc())) == "timeout"
    store.close()
