"""Re-cutting jieba's words around place suffixes (nlp.retokenize)."""
from __future__ import annotations

from nlp.retokenize import Retokenizer
from nlp.segmenter import Segmenter
from nlp.stems import StemFinder


def words(segmenter: Segmenter, text: str) -> list[str]:
    return [t.word for t in Retokenizer(segmenter, StemFinder(segmenter)).refine(segmenter.analyze(text))]


def test_suffix_glued_to_what_follows_is_cut(segmenter: Segmenter) -> None:
    assert "村" in words(segmenter, "长庚新村里违章搭建")  # 长庚新|村里 → 村 + 里
    assert "路" in words(segmenter, "滨湖区建筑路上那个工地")  # 建筑|路上 → 路 + 上


def test_numbered_village_is_cut_after_its_number(segmenter: Segmenter) -> None:
    assert words(segmenter, "长江一村门口")[:3] == ["长江", "一", "村"]


def test_everyday_words_stay_whole(segmenter: Segmenter) -> None:
    assert "路上" in words(segmenter, "我在上班路上")
    assert "村里" in words(segmenter, "风一吹全往村里飘")
