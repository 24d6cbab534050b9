"""Search-engine fixtures: tantivy always; Elasticsearch from MINSHENG_TEST_ES_URL or a
``noida-db`` emulator started here on a free 127.0.0.1 port (stopped by its PID)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from index.search.base import SearchIndex
from index.search.emulator import EmulatorUnavailable, emulator_command, es_emulator, is_emulator


def whitespace_segment(text: str) -> str:
    """Test segmenter: words are already separated by spaces."""
    return " ".join(text.split())


def char_segment(text: str) -> str:
    """Test segmenter: one token per letter/digit (punctuation dropped, as jieba's
    search tokens drop it), a worst case for Chinese segmentation."""
    return " ".join(ch for ch in text if ch.isalnum())


@pytest.fixture(scope="session")
def es_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str | None]:
    """An Elasticsearch-API URL, or None when neither a server nor the emulator is available."""
    configured = os.environ.get("MINSHENG_TEST_ES_URL")
    if configured:
        yield configured
        return
    if emulator_command() is None:
        yield None
        return
    try:
        with es_emulator(tmp_path_factory.mktemp("noida")) as url:
            yield url
    except EmulatorUnavailable as exc:
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def es_is_emulator(es_url: str | None) -> bool:
    return es_url is not None and is_emulator(es_url)


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
