"""A crawl's process tree, found through /proc from the crawl's own PID, and how to end it.

A crawl runs as ``scrapy crawl`` in its own session (process group); in browser mode
it starts the Playwright driver, which starts Chromium in a process group of *its own*.
Killing the crawl's group alone would orphan Chromium, so ``kill_tree`` first freezes
every descendant (SIGSTOP: a stopped process cannot fork or reparent its children
away from us), then kills them all. Processes are identified by PID plus start time,
so a recycled PID is never mistaken for one of ours. Nothing is ever found by name.
"""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

Ident = tuple[int, int]  # (pid, start time in clock ticks since boot)


def _stat_fields(pid: int) -> list[str] | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; fields resume after the last ")".
    return stat[stat.rfind(")") + 2:].split()


def ident(pid: int) -> Ident | None:
    """``(pid, start time)`` of a live process, or None."""
    fields = _stat_fields(pid)
    return (pid, int(fields[19])) if fields else None


def is_alive(process: Ident) -> bool:
    """The very process (same start time) exists and is not a zombie."""
    fields = _stat_fields(process[0])
    return bool(fields) and int(fields[19]) == process[1] and fields[0] != "Z"


def descendants(pid: int) -> set[Ident]:
    """Every live descendant of ``pid``, by parent links in /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[Ident] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            process = ident(child)
            if process and process not in found:
                found.add(process)
                todo.append(child)
    return found


def tree(pid: int) -> set[Ident]:
    """``pid`` and its descendants."""
    root = ident(pid)
    return ({root} if root else set()) | descendants(pid)


def _signal(process: Ident, sig: int) -> None:
    if is_alive(process):
        try:
            os.kill(process[0], sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree(pid: int, *, settle_s: float = 5.0) -> set[Ident]:
    """SIGKILL ``pid``, its process group and every descendant; returns what was signalled."""
    frozen: set[Ident] = set()
    # Freeze until no new descendant appears: a process forking right now is caught next pass.
    for _ in range(20):
        new = tree(pid) - frozen
        if not new:
            break
        for process in new:
            _signal(process, signal.SIGSTOP)
        frozen |= new
    try:
        os.killpg(pid, signal.SIGKILL)  # the crawl's session: anything we missed that stayed in it
    except (ProcessLookupError, PermissionError):
        pass
    for process in frozen:
        _signal(process, signal.SIGKILL)
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline and any(is_alive(p) for p in frozen if p[0] != pid):
        time.sleep(0.05)
    return frozen


def sweep_group(pid: int) -> None:
    """Kill whatever is left in a finished (and reaped) crawl's process group.

    While any member lives, the kernel keeps the group's number from being reused; but
    once the group is empty a new process may get that PID and lead a group of the same
    number, so a live process with PID ``pid`` means: not ours, leave it alone.
    """
    if ident(pid) is not None:
        return
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
