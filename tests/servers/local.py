"""Throwaway PostgreSQL and Redis servers for tests: 127.0.0.1, a free port, a temp dir.

Each is started from Debian's binaries (installed by .ci/run) and stopped by its own
PID. When the binaries are missing, the fixture says so and the tests skip.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on 127.0.0.1:{port} within {timeout:.0f}s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of a fresh PostgreSQL database."""
    bindir = postgres_bin()
    if bindir is None:
        raise FileNotFoundError("PostgreSQL binaries not found (apt-get install postgresql)")
    # PostgreSQL refuses to run as root: run it as the package's 'postgres' user.
    user = "postgres" if os.geteuid() == 0 else None
    workdir = Path(tempfile.mkdtemp(prefix="minsheng-pg-"))
    data = workdir / "data"
    if user:
        shutil.chown(workdir, user)
    run_as = {"user": user} if user else {}
    subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "minsheng", "--auth=trust",
                    "-E", "UTF8", "--locale=C"], check=True, capture_output=True, **run_as)
    port = free_port()
    process = subprocess.Popen([str(bindir / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                                "-p", str(port), "-k", str(workdir), "-c", "fsync=off"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **run_as)
    try:
        _wait_for_port(port, process)
        for _ in range(50):
            done = subprocess.run([str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port),
                                   "-U", "minsheng", "minsheng"], capture_output=True, **run_as)
            if done.returncode == 0:
                break
            time.sleep(0.2)
        yield f"postgresql+psycopg://minsheng@127.0.0.1:{port}/minsheng"
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def redis_server() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server not found (apt-get install redis-server)")
    workdir = Path(tempfile.mkdtemp(prefix="minsheng-redis-"))
    port = free_port()
    process = subprocess.Popen([binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(workdir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_port(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)
        shutil.rmtree(workdir, ignore_errors=True)

