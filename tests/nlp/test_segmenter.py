"""The segmenter: its tag-table cache, shared by processes that start together, and search tokens."""
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


def test_a_word_learnt_at_run_time_reaches_search_tokens(tmp_path: Path) -> None:
    segmenter = Segmenter(cache_dir=tmp_path / "cache")
    segmenter.initialize()
    assert "华庭" not in segmenter.index_tokens(["锦绣华庭"]).split()
    segmenter.add_word("华庭")  # a new dictionary word is a new sub-word of words already seen
    assert "华庭" in segmenter.index_tokens(["锦绣华庭"]).split()
    before = segmenter.search_tokens("锦绣华庭门口积水")
    assert before == segmenter.search_tokens("锦绣华庭门口积水")  # the remembered words give the same answer
    assert "锦绣华庭" not in before.split()
    segmenter.add_word("锦绣华庭")
    after = segmenter.search_tokens("锦绣华庭门口积水")
    assert after.split("|")[0].split() == ["锦绣华庭", "门口", "积水"]
    assert segmenter.index_tokens(["锦绣华庭", "，", "Hello"]).split()[:2] == ["锦绣华庭", "hello"]
