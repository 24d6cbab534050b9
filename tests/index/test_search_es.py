"""Elasticsearch-only behaviour: versioned index behind an alias, strict mapping, the alias
swap on reindex, bulk retry on 429, clear errors when the server is away."""
from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from elasticsearch import BadRequestError, Elasticsearch

from index.search.base import SearchBackendError, SearchDoc, SearchIndex
from tests.index.conftest import whitespace_segment

pytestmark = pytest.mark.es
COMPAT = "application/vnd.elasticsearch+json; compatible-with=8"


def _docs(n: int, start: int = 1) -> list[SearchDoc]:
    return [SearchDoc(id=i, source_id="forum", kind="thread", title=f"帖子{i}", text="电梯 积水",
                      tokens="电梯 积水", published_at=datetime(2024, 5, 1, tzinfo=timezone.utc))
            for i in range(start, start + n)]


@pytest.fixture
def es(make_engine: Callable[..., SearchIndex]) -> Any:
    return make_engine("elasticsearch")


def test_alias_points_at_a_versioned_index_with_a_strict_mapping(es: Any) -> None:
    assert es.health()["indices"] == [f"{es.alias}-v1"]
    mapping = es.client.indices.get_mapping(index=es.alias).body[f"{es.alias}-v1"]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["location"]["type"] == "geo_point"
    assert mapping["properties"]["published_at"]["type"] == "date"
    assert mapping["properties"]["district"]["type"] == "keyword"
    with pytest.raises(BadRequestError, match="strict"):
        es.client.index(index=es.alias, id="x", document={"id": 1, "surprise": "field"})


def test_reindex_swaps_the_alias_and_drops_the_old_version(es: Any) -> None:
    es.upsert(_docs(5))
    es.commit()
    assert es.reindex_from(iter(_docs(3, start=100))) == 3
    assert es.health()["indices"] == [f"{es.alias}-v2"]
    assert not es.client.indices.exists(index=f"{es.alias}-v1")
    assert es.count("") == 3 and es.count("电梯") == 3
    settings = es.client.indices.get_settings(index=f"{es.alias}-v2").body[f"{es.alias}-v2"]["settings"]["index"]
    assert settings.get("refresh_interval") in (None, "1s")  # bulk-load setting undone


def test_bulk_retries_rejected_documents(es_url: str | None, make_engine: Callable[..., SearchIndex]) -> None:
    if es_url is None:
        pytest.skip("no Elasticsearch API")

    class Rejecting(Elasticsearch):
        """Marks the first document of the first bulk request as rejected (429)."""
        calls = 0

        def bulk(self, *args: Any, **kwargs: Any) -> Any:
            type(self).calls += 1
            response = super().bulk(*args, **kwargs)
            if type(self).calls == 1:
                item = next(iter(response.body["items"][0].values()))
                item["status"], item["error"] = 429, {"type": "es_rejected_execution_exception"}
            return response

    from index.search.es_engine import ElasticIndex

    name = f"test-{uuid.uuid4().hex[:10]}"
    client = Rejecting(es_url, headers={"accept": COMPAT, "content-type": COMPAT})
    engine = ElasticIndex(es_url, name, segment=whitespace_segment, client=client, replicas=0,
                          refresh_on_commit=True, initial_backoff=0.01)
    try:
        engine.upsert(_docs(4))
        engine.commit()
        assert Rejecting.calls == 2 and engine.count("") == 4
        Rejecting.calls = 0
        engine.max_retries = 0
        with pytest.raises(SearchBackendError, match="1 documents failed"):
            engine.upsert(_docs(2, start=50))
    finally:
        engine.destroy()
        engine.close()


def test_unreachable_server_is_a_one_line_error() -> None:
    from index.search.es_engine import ElasticIndex

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once closed
    with pytest.raises(SearchBackendError) as info:
        ElasticIndex(f"http://127.0.0.1:{port}", "nothing", segment=whitespace_segment, request_timeout=2)
    assert "\n" not in str(info.value) and "elasticsearch" in str(info.value)
