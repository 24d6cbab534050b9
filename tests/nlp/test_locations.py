"""Extraction patterns: gazetteer names, roads, junctions, compounds, addresses."""
from __future__ import annotations

from nlp.locations import LocationExtractor


def spans(extractor: LocationExtractor, text: str) -> list[tuple[str, str]]:
    return [(m.text, m.type) for m in extractor.extract(text)]


def test_gazetteer_names_and_aliases(extractor: LocationExtractor) -> None:
    found = extractor.extract("胜利东路上的鲁迅故里门口很堵")
    assert [(m.text, m.type) for m in found] == [("胜利东路", "road"), ("鲁迅故里", "poi")]
    assert found[0].candidates[0][0] == "yc-sq"
    assert found[0].start == 0 and found[0].end == 4


def test_junction_forms(extractor: LocationExtractor) -> None:
    assert spans(extractor, "我每天经过解放路与胜利路交叉口") == [("解放路与胜利路交叉口", "intersection")]
    assert spans(extractor, "胜利路解放路口红绿灯坏了")[0] == ("胜利路解放路口", "intersection")
    # Unknown junction of two known roads: no candidates, both roads kept for resolution.
    mention = extractor.extract("环山路与胜利路交叉口有积水")[0]
    assert mention.text == "环山路与胜利路交叉口" and not mention.candidates
    assert mention.roads is not None and mention.roads[0][0][0] == "yc-hs"
    # One road's 路口 is a spot on that road.
    single = extractor.extract("在环山路口等车")[0]
    assert single.text == "环山路口" and single.candidates[0][0] == "yc-hs"


def test_unknown_shapes_are_kept_unresolved(extractor: LocationExtractor) -> None:
    found = spans(extractor, "城东镇永丰村的青云路上有个阳光花园小区")
    assert ("城东镇", "street") in found
    assert ("永丰村", "community") in found
    assert ("青云路", "road") in found
    assert ("阳光花园小区", "compound") in found
    assert all(not m.candidates for m in extractor.extract("城东镇永丰村的青云路上"))


def test_house_numbers(extractor: LocationExtractor) -> None:
    found = extractor.extract("南大园300号楼下和解放路12号门口都有垃圾")
    assert [(m.text, m.type) for m in found] == [("南大园300号", "address"), ("解放路12号", "address")]
    assert {pid for pid, _ in found[1].candidates} == {"yc-jf", "kq-jf"}
    # Dates and metro lines are not addresses.
    assert spans(extractor, "12月11号坐地铁1号线") == []


def test_everyday_words_are_not_places(extractor: LocationExtractor) -> None:
    text = "我们小区门口的马路上，这个道路太差了，超市和市场都关了，城市道路要修"
    assert spans(extractor, text) == []


def test_short_abbreviation_needs_word_boundary(extractor: LocationExtractor) -> None:
    assert spans(extractor, "府山这边停水了")[0] == ("府山", "street")
    assert spans(extractor, "和园小区停水") == [("和园小区", "compound")]


def test_learned_alias_is_matched(gazetteer, extractor: LocationExtractor) -> None:
    assert spans(extractor, "老鲁迅故居旁边") != [("老鲁迅故居", "poi")]
    gazetteer.add_alias("yc-lx", "老鲁迅故居")
    assert spans(extractor, "老鲁迅故居旁边") == [("老鲁迅故居", "poi")]


def test_suffixes_glued_to_what_follows(extractor: LocationExtractor) -> None:
    # jieba reads 路上 and 公寓楼 as words; the name still ends at its suffix.
    assert ("柳岸路", "road") in spans(extractor, "柳岸路上有人往河里倒油漆")
    assert ("晓风公寓", "compound") in spans(extractor, "晓风公寓楼下的垃圾桶被翻得乱七八糟")
    assert ("梧桐里小区", "compound") in spans(extractor, "梧桐里小区晚上有人直播")
    # ...but a road that is just 路上 after a verb stays nothing.
    assert spans(extractor, "回家路上看到有人摔倒") == []


def test_house_number_after_an_everyday_road_name(extractor: LocationExtractor) -> None:
    assert ("百花路168号", "address") in spans(extractor, "百花路168号楼下的小餐馆油烟直冲楼上")
    assert ("长庚路27号", "address") in spans(extractor, "长庚路27号门口的路面一直渗水")
    assert spans(extractor, "胜利东路和解放北路那个交叉口斑马线看不清了")[0] == (
        "胜利东路和解放北路那个交叉口", "intersection")
