"""Start the ``noida-db`` Elasticsearch-API emulator for tests and benchmarks.

The emulator checks client calls, mappings and aggregation shapes where no real
Elasticsearch can be installed; production runs real Elasticsearch. The process
binds 127.0.0.1 on a free port and is stopped by its own PID.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


class EmulatorUnavailable(RuntimeError):
    """noida-db is not installed or did not come up."""


def emulator_command() -> list[str] | None:
    """The emulator binary itself (not its Python wrapper, so our PID is the server's)."""
    spec = importlib.util.find_spec("noida_db")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "noida-db"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    wrapper = shutil.which("noida-db")
    return [wrapper] if wrapper else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def es_emulator(data_dir: Path, timeout: float = 30.0) -> Iterator[str]:
    """Run the emulator's Elasticsearch API only; yields its URL."""
    command = emulator_command()
    if command is None:
        raise EmulatorUnavailable("noida-db is not installed (pip install the 'test' extra)")
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = data_dir / "noida.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
             "--elasticsearch-port", str(port), "--data-dir", str(data_dir / "data")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    if httpx.get(url, timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-300:].replace("\n", " ")
                    raise EmulatorUnavailable(f"noida-db did not start on {url}: {tail}")
                time.sleep(0.2)
            yield url
        finally:
            _stop(process)


def _stop(process: subprocess.Popen) -> None:
    # The emulator runs in a session of its own that we created: signal only that group.
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def is_emulator(url: str) -> bool:
    """True when the server at ``url`` is noida-db rather than Elasticsearch."""
    info = httpx.get(url, timeout=5).json()
    return "noida" in f"{info.get('cluster_uuid', '')} {info.get('version', {}).get('build_hash', '')}"
