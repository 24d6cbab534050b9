"""Swapping place mentions in training posts (nlp.training.place_swap) and training on the copies."""
from __future__ import annotations

import json
import random
from pathlib import Path

from nlp.span_model import gold_tags
from nlp.training.place_fit import Swaps, examples_for, name_pool, train_places
from nlp.training.place_swap import NamePool, swap_mentions
from tests.nlp.test_place_fit import POSTS, write_set


def pool_of(*names: str, kind: str | None = None) -> NamePool:
    pool = NamePool()
    pool.add(names, {name: kind for name in names} if kind else None)
    return pool


def test_a_mention_is_swapped_for_a_name_of_the_same_type_and_ending() -> None:
    pool = pool_of("长江路", "黄河路", "翠湖花园")
    text, spans = swap_mentions("和平路上井盖丢了，和平路东头也是", ["和平路"], pool, random.Random(0), rate=1.0)
    assert spans[0] in {"长江路", "黄河路"}
    assert text == f"{spans[0]}上井盖丢了，{spans[0]}东头也是"  # every occurrence
    assert gold_tags(text, spans)[:3] == [1, 2, 2]


def test_types_keep_a_road_from_becoming_a_compound_with_the_same_last_character() -> None:
    pool = NamePool()
    pool.add(["锦绣路"], {"锦绣路": "road"})
    pool.add(["南湖路"], {"南湖路": "intersection"})  # e.g. a bare 路口 name typed as a junction
    for seed in range(20):
        swapped = swap_mentions("人民路堵车", ["人民路"], pool, random.Random(seed), 1.0, {"人民路": "road"})
        assert swapped is not None and swapped[1] == ["锦绣路"]


def test_a_kept_longer_name_is_not_split_by_a_swapped_shorter_one() -> None:
    pool = pool_of("江滨", "海滨")
    rng = random.Random(1)
    text, spans = swap_mentions("湖滨街道湖滨那边", ["湖滨街道", "湖滨"], pool, rng, rate=1.0)
    assert spans[0] == "湖滨街道" and text.startswith("湖滨街道")  # nothing in the pool ends in 道
    assert spans[1] in {"江滨", "海滨"} and text.endswith(spans[1] + "那边")


def test_nothing_to_swap_gives_none() -> None:
    assert swap_mentions("今天天气不错", [], pool_of("长江路"), random.Random(0), 1.0) is None
    assert swap_mentions("人民路堵车", ["人民路"], NamePool(), random.Random(0), 1.0) is None
    assert swap_mentions("人民路堵车", ["人民路"], pool_of("长江路"), random.Random(0), 0.0) is None


def test_training_adds_swapped_copies_and_counts_posts_apart(tmp_path: Path) -> None:
    place_set = write_set(tmp_path, "tiny", POSTS)
    other = write_set(tmp_path, "other", [{"text": "住在蓝湾天地的人说停电了", "place": None, "spans": ["蓝湾天地"]},
                                           {"text": "光明路和平路口堵死了", "place": None, "spans": ["光明路和平路口"]}])
    pool = name_pool([place_set, other], tmp_path)
    assert len(pool) == 6
    examples = examples_for(place_set, tmp_path / "cache", tmp_path, Swaps(pool, copies=2, rate=1.0))
    # 东城区 and 和平路 have no like names in the pool, and the chatter has none to swap.
    assert sum(not e.swapped for e in examples) == 4 and 1 <= sum(e.swapped for e in examples) <= 4
    output = tmp_path / "m" / "spans.npz"
    metrics = train_places(output, [place_set, other], tmp_path / "cache", epochs=2, eval_dir=tmp_path)["metrics"]
    assert metrics["posts"] == 6 and metrics["examples"] > 6 and metrics["swapped_copies"] == 2
    assert json.loads((output.parent / "metrics.json").read_text())["examples"] == metrics["examples"]
