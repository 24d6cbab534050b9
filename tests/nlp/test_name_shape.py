"""Trimming and refusing the learned tagger's proposals (nlp.name_shape)."""
from __future__ import annotations

from nlp.name_shape import name_like, split_listed, trim
from nlp.segmenter import Segmenter


def shaped(segmenter: Segmenter, text: str, proposal: str) -> str | None:
    """What is left of ``proposal`` (a substring of ``text``) once trimmed, or None if refused."""
    tokens = segmenter.analyze(text)
    start = text.index(proposal)
    start, end = trim(text, start, start + len(proposal), tokens, segmenter.frequency)
    if end - start < 2 or not name_like(text, start, end, tokens, segmenter.frequency):
        return None
    return text[start:end]


def test_area_codes_function_words_and_numbers_are_cut(segmenter: Segmenter) -> None:
    assert shaped(segmenter, "A市鑫源悦城存在严重安全隐患", "A市鑫源悦城") == "鑫源悦城"
    assert shaped(segmenter, "投诉金地花园物业乱收费", "投诉金地花园") == "金地花园"
    # A road's house number is cut (the address pass puts it back on the road)…
    assert shaped(segmenter, "解放路88号门口有个坑", "解放路88号") == "解放路"
    # …but a number after words with no place ending was a sum or a date, not a name.
    assert shaped(segmenter, "造工作经历，再交65000元", "再交65000元") is None
    assert shaped(segmenter, "报告人：陈平旺2018年7月", "陈平旺2018年7") is None


def test_names_made_of_verbs_keep_them(segmenter: Segmenter) -> None:
    assert shaped(segmenter, "解放西路晚上很吵", "解放西路") == "解放西路"
    assert shaped(segmenter, "团结路修了半年", "团结路") == "团结路"


def test_kinds_laws_and_everyday_words_are_refused(segmenter: Segmenter) -> None:
    text = "根据中华人民共和国道路交通安全法的规定"
    assert shaped(segmenter, text, "中华人民共和国道路交通安") is None
    assert shaped(segmenter, "开展城镇小区配套幼儿园治理", "城镇小区") is None
    assert shaped(segmenter, "建设美丽乡村，户户通", "美丽乡村") is None
    assert shaped(segmenter, "走在大街上不抽烟", "大街") is None
    assert shaped(segmenter, "车主在路口等", "路口") is None


def test_everyday_words_name_a_place_where_the_text_says_place(segmenter: Segmenter) -> None:
    assert shaped(segmenter, "金色夏威夷北门外面的烧烤摊", "金色夏威夷") == "金色夏威夷"
    assert shaped(segmenter, "我住在东湖国际，楼下太吵", "东湖国际") == "东湖国际"


def test_listed_names_are_split_but_junctions_and_names_with_he_are_not() -> None:
    text = "万国城和珠江花城的学生"
    assert [text[a:b] for a, b in split_listed(text, 0, 8)] == ["万国城", "珠江花城"]
    junction = "理想城与凯旋城路口"
    assert split_listed(junction, 0, len(junction)) == [(0, len(junction))]
    assert split_listed("庆和里路", 0, 4) == [(0, 4)]
