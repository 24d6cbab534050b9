"""Taxonomy files, routing table, segmenter behaviour."""
from __future__ import annotations

from pathlib import Path

import jieba
import pytest

from nlp.routing import DepartmentRouter
from nlp.schema import Category
from nlp.segmenter import Segmenter
from nlp.taxonomy import Taxonomy, TaxonomyError, main

SHARED_CSV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "wenzheng" / "categories.csv"


def test_shipped_taxonomy_matches_source() -> None:
    if not SHARED_CSV.is_file():
        pytest.skip(f"shared categories not found at {SHARED_CSV}")
    assert Taxonomy.load().tree == Taxonomy.load(SHARED_CSV).tree
    assert len(Taxonomy.load().level1()) == 15 and len(list(Taxonomy.load().paths())) == 517


def test_taxonomy_csv_round_trip_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "c.csv"
    good.write_text("level1,level2,level3\n甲,乙,丙\n甲,乙,其他\n", encoding="utf-8")
    out = tmp_path / "t.json"
    assert main([str(good), str(out)]) == 0
    assert Taxonomy.load(out).fallback("甲") == ("甲", "乙", "其他")
    bad = tmp_path / "bad.csv"
    bad.write_text("level1,level2,level3\n甲,,丙\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"bad.csv:2: expected three"):
        Taxonomy.load(bad)


def test_routing_longest_prefix_and_override() -> None:
    router = DepartmentRouter({"交通运输": "交通局"})
    assert router.route(Category(level1="交通运输", level2="其他", level3="其他", score=1)) == "交通局"
    path = Category(level1="城乡建设", level2="城市建设和市政管理", level3="自来水供应", score=1)
    assert router.route(path) == "水务集团"
    path = Category(level1="城乡建设", level2="城市建设和市政管理", level3="环境卫生", score=1)
    assert router.route(path) == "综合行政执法局"
    assert DepartmentRouter({}, table=None).route(path) is None


def test_segmenter_is_private_and_keeps_domain_words(segmenter: Segmenter, nlp_cache: Path) -> None:
    assert "玻璃碴" in segmenter.tokens("路上有玻璃碴")
    assert "胜利路" in segmenter.tokens("胜利路上")  # gazetteer names are words
    assert jieba.dt.FREQ.get("和园小区") is None  # the global tokenizer is untouched
    assert segmenter.query_tokens("Hello，中山路！ 积水") == "hello 中山路 积水"
    # Documents also carry the dictionary words inside compounds, after a marker.
    assert segmenter.search_tokens("Hello，中山路！ 积水") == "hello 中山路 积水 | 中山 山路"
    assert segmenter.search_tokens("积水") == "积水"
    assert any(nlp_cache.iterdir())  # the prefix dictionary cache was written there
    assert [t.tag for t in segmenter.analyze("我们")] == ["r"]


def test_lexicon_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "lex.txt"
    bad.write_text("好词 n 多余\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lex.txt:1"):
        Segmenter(lexicon=bad).initialize()
