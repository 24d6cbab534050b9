"""Search-engine fixtures: tantivy always; Elasticsearch from MINSHENG_TEST_ES_URL or a
``noida-db`` emulator started here on a free 127.0.0.1 port (stopped by its PID)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from index.search.base import SearchIndex


def whitespace_segment(text: str) -> str:
    """Test segmenter: words are already separated by spaces."""
    return " ".join(text.split())


def char_segment(text: str) -> str:
    """Test segmenter: one token per character, like a worst-case Chinese segmentation."""
    return " ".join(ch for ch in text if not ch.isspace())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _emulator_command() -> list[str] | None:
    spec = importlib.util.find_spec("noida_db")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "noida-db"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    wrapper = shutil.which("noida-db")
    return [wrapper] if wrapper else None


@pytest.fixture(scope="session")
def es_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """An Elasticsearch-API URL, or None when neither a server nor the emulator is available."""
    configured = os.environ.get("MINSHENG_TEST_ES_URL")
    if configured:
        yield configured
        return
    command = _emulator_command()
    if command is None:
        yield None
        return
    port = _free_port()
    data_dir = tmp_path_factory.mktemp("noida")
    log = (data_dir / "noida.log").open("wb")
    process = subprocess.Popen(
        [*command, "start", "--only", "elasticsearch", "--host", "127.0.0.1",
         "--elasticsearch-port", str(port), "--data-dir", str(data_dir / "data")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"noida-db did not start: {(data_dir / 'noida.log').read_text(errors='replace')[-500:]}")
            time.sleep(0.2)
        yield url
    finally:
        # Only our own child (and the session we gave it) is signalled.
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        log.close()


@pytest.fixture(scope="session")
def es_is_emulator(es_url: str | None) -> bool:
    if es_url is None:
        return False
    info = httpx.get(es_url, timeout=5).json()
    return "noida" in str(info.get("cluster_uuid", "")) + str(info.get("version", {}).get("build_hash", ""))


@pytest.fixture
def make_engine(tmp_path: Path, es_url: str | None) -> Iterator[Callable[..., SearchIndex]]:
    """Factory ``make_engine(backend, segment=whitespace_segment)`` for a fresh, empty index."""
    made: list = []

    def make(backend: str, segment: Callable[[str], str] = whitespace_segment) -> SearchIndex:
        if backend == "tantivy":
            from index.search.tantivy_engine import TantivyIndex

            engine = TantivyIndex(tmp_path / f"index-{len(made)}", segment, heap_bytes=20_000_000, threads=1)
        else:
            if es_url is None:
                pytest.skip("no Elasticsearch API: set MINSHENG_TEST_ES_URL or install noida-db")
            from index.search.es_engine import ElasticIndex

            engine = ElasticIndex(es_url, f"test-{uuid.uuid4().hex[:10]}", segment=segment, replicas=0,
                                  refresh_on_commit=True, initial_backoff=0.05)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.destroy()
        engine.close()


@pytest.fixture(params=["tantivy", pytest.param("elasticsearch", marks=pytest.mark.es)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def engine(backend: str, make_engine: Callable[..., SearchIndex]) -> SearchIndex:
    return make_engine(backend)
