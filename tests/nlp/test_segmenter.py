"""The segmenter's tag-table cache: shared by processes that start together."""
from __future__ import annotations

import threading
from pathlib import Path

from nlp.segmenter import Segmenter


def test_segmenters_starting_together_share_one_cache(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    errors: list[BaseException] = []
    segmenters = [Segmenter(cache_dir=cache) for _ in range(4)]

    def start(segmenter: Segmenter) -> None:
        try:
            segmenter.initialize()
        except BaseException as exc:  # noqa: BLE001 - the thread's failure is the test's
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(s,)) for s in segmenters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(list(cache.glob("minsheng-tags-*.pickle"))) == 1
    assert not list(cache.glob("*.tmp"))  # no writer's temporary file is left behind
    later = Segmenter(cache_dir=cache)
    later.initialize()  # reads the cache
    assert later.tokens("路灯坏了") == segmenters[0].tokens("路灯坏了")


def test_an_unwritable_cache_only_costs_start_up_time(tmp_path: Path) -> None:
    first = Segmenter(cache_dir=tmp_path / "first")
    first.initialize()
    (name,) = [p.name for p in (tmp_path / "first").glob("minsheng-tags-*.pickle")]
    cache = tmp_path / "cache"
    (cache / name).mkdir(parents=True)  # a directory where the cache file should go: the rename fails
    segmenter = Segmenter(cache_dir=cache)
    segmenter.initialize()
    assert segmenter.tokens("路灯坏了") == first.tokens("路灯坏了")
    assert (cache / name).is_dir() and not list(cache.glob("*.tmp"))
