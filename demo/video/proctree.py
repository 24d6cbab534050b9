"""A process and its descendants, read from /proc: peak memory, and who is still alive.

The bench sums the RSS of the crawl process and its Chromium children; the tests use
the PIDs seen during a run to prove no browser process outlives it. Processes are
found by the crawl's own PID tree, never by name.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited while we looked
        # The command name may contain spaces and parentheses; fields resume after the last ")".
        fields = stat[stat.rfind(")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def descendants(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (not ``pid`` itself)."""
    tree, found, todo = _children_map(), set(), [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def rss_bytes(pid: int) -> int:
    """Memory of one process: PSS where the kernel gives it, else RSS.

    Chromium runs as many processes sharing libraries; summing their RSS counts the
    shared pages once per process, PSS splits them fairly.
    """
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2:].split()[0] != "Z"


def command_name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


class ProcessTreeSampler:
    """Samples a process tree on a thread: peak total RSS and every PID that appeared."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        self.pid, self.interval_s = pid, interval_s
        self.peak_rss = 0
        self.seen: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"proctree-{pid}", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval_s)

    def sample(self) -> None:
        pids = descendants(self.pid) | {self.pid}
        for pid in pids:
            if pid not in self.seen and pid != os.getpid():
                self.seen[pid] = command_name(pid)
        self.peak_rss = max(self.peak_rss, sum(rss_bytes(pid) for pid in pids))

    def start(self) -> "ProcessTreeSampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def survivors(self) -> dict[int, str]:
        """Descendants seen during the run that still run, with their command names."""
        # Same PID and same command name: a recycled PID of an unrelated process is no survivor.
        return {pid: name for pid, name in self.seen.items()
                if pid != self.pid and is_running(pid) and command_name(pid) == name}
