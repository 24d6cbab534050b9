"""`make run`'s command: `minsheng demo` shows crawled demo posts within a minute, and stops clean."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEADLINE_S = 60.0  # the README's promise: crawled posts on screen within a minute


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _demo_config(tmp_path: Path, forum: int, video: int) -> Path:
    text = (REPO / "demo" / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("127.0.0.1:8101", f"127.0.0.1:{forum}").replace("127.0.0.1:8102", f"127.0.0.1:{video}")
    config = yaml.safe_load(text)
    config["home"] = str(tmp_path / "home")
    config["gazetteer"] = str(REPO / "demo" / config["gazetteer"])
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _children(pid: int) -> list[int]:
    """Every live descendant of pid, from /proc (the crawls and their Chromium)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


@pytest.mark.slow
def test_demo_shows_crawled_posts_within_a_minute_and_stops_clean(tmp_path: Path) -> None:
    api = _free_port()
    config = _demo_config(tmp_path, _free_port(), _free_port())
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINSHENG_")}
    log = (tmp_path / "demo.log").open("wb")
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "--config", str(config), "demo", "--port", str(api)],
                               cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    found: dict = {}
    try:
        while time.monotonic() - started < DEADLINE_S and process.poll() is None:
            key = re.search(r"demo sign-in key \(demo-admin\): (\S+?)(?:\{|$)",
                            (tmp_path / "demo.log").read_text(encoding="utf-8", errors="replace"), re.M)
            try:
                answer = httpx.get(f"http://127.0.0.1:{api}/api/v1/posts/search", params={"size": 50},
                                   headers={"Authorization": f"Bearer {key.group(1) if key else '-'}"}, timeout=5)
                if answer.status_code == 200 and answer.json()["total"] > 0:
                    found = answer.json()
                    break
            except httpx.HTTPError:
                pass  # not listening yet
            time.sleep(1)
        elapsed = time.monotonic() - started
        output = (tmp_path / "demo.log").read_text(encoding="utf-8", errors="replace")[-3000:]
        assert found, f"no posts after {elapsed:.0f} s (exit {process.poll()}):\n{output}"
        assert {hit["post"]["source_id"] for hit in found["hits"]} & {"jx9qu", "nanhu-video"}, found["hits"][:2]
        page = httpx.get(f"http://127.0.0.1:{api}/", timeout=5, follow_redirects=True)
        assert page.status_code == 200 and "民声" in page.text
    finally:
        descendants = _children(process.pid)
        process.send_signal(signal.SIGTERM)  # our own PID only
        try:
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            log.close()
    time.sleep(1)
    left = [pid for pid in descendants if Path(f"/proc/{pid}").exists()
            and "Z" not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1])]
    assert not left, f"left running after stop: {left}"
