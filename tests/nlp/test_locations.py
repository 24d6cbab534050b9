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


def test_junctions_written_without_a_junction_word(extractor: LocationExtractor) -> None:
    # Addresses name a junction by a slash or 近 (near) alone.
    assert spans(extractor, "青云路/白马路 这个口子没有左转灯")[0][0].startswith("青云路/白马路")
    assert spans(extractor, "彩虹南路近民安东路那里的路灯不亮")[0] == ("彩虹南路近民安东路", "intersection")
    # ...but 近 before anything that is not a road name is just "recently".
    assert spans(extractor, "中山路近几年修了好几次路") == [("中山路", "road")]


def test_junction_roads_may_be_common_words(extractor: LocationExtractor) -> None:
    # 学士, 世纪 are everyday words; beside a second road and 路口 they name roads.
    assert spans(extractor, "学士路院士路口早上太堵了") == [("学士路院士路口", "intersection")]
    assert spans(extractor, "世纪大道与宁穿路交叉口的探头一直在闪")[0] == ("世纪大道与宁穿路交叉口", "intersection")
    # The second road must be a name throughout: 的 ends it.
    assert ("杨家山路口", "intersection") in spans(extractor, "人民路的杨家山路口堵车")


def test_a_gazetteer_name_before_a_suffix_heads_another_name(extractor: LocationExtractor) -> None:
    # 柯桥 is the district's short name; 柯桥路 is a road, 柯桥花园 a compound.
    assert spans(extractor, "柯桥路688号对面的工地天天打桩") == [("柯桥路688号", "address")]
    assert spans(extractor, "柯桥花园的电梯坏了") == [("柯桥花园", "compound")]


def test_gates_are_not_places(gazetteer, extractor: LocationExtractor) -> None:
    gazetteer.add_alias("yc-fs", "南门")  # many cities have a 南门街道
    assert spans(extractor, "绍兴市人民医院南门那边经常有黑车") == [("绍兴市人民医院", "poi")]
    assert spans(extractor, "在南门那边") == [("南门", "street")]


def test_quantities_are_not_names(extractor: LocationExtractor) -> None:
    assert spans(extractor, "隔着两条街都能听见") == []
    assert spans(extractor, "冬天一结冰整段路都滑得很") == []


def test_compounds_with_everyday_endings_need_compound_context(extractor: LocationExtractor) -> None:
    assert spans(extractor, "泰和园2栋又停水了") == [("泰和园", "compound")]
    assert spans(extractor, "绿地蓝海国际的物业又在搞收费停车")[0] == ("绿地蓝海国际", "compound")
    assert spans(extractor, "星悦湾东门那个口子老是有人逆行") == [("星悦湾", "compound")]
    assert spans(extractor, "首南街道学府苑的充电桩一直坏着")[-1] == ("学府苑", "compound")
    # The same endings in everyday words, or without such context, are nothing.
    assert spans(extractor, "周末去公园门口跑步") == []
    assert spans(extractor, "国际新闻里说的") == []


def test_kinds_of_compound_are_not_names(extractor: LocationExtractor) -> None:
    assert spans(extractor, "很多老旧小区都没有电梯") == []
    assert spans(extractor, "开放式小区的停车太乱") == []
    assert spans(extractor, "龙川家园小区的停车太乱") == [("龙川家园小区", "compound")]


def test_roads_named_with_everyday_nouns(extractor: LocationExtractor) -> None:
    # 人民, 书院, 晚报 are common nouns; right before a 路 of its own they name the road.
    assert spans(extractor, "到了人民路派出所门口") == [("人民路", "road")]
    assert spans(extractor, "在晚报大道南侧是否有出口") == [("晚报大道", "road")]
    assert spans(extractor, "滨湖区建筑路上那个工地") [-1] == ("建筑路", "road")
    # Nouns that describe a road, counted roads, and 路 starting another word are not names.
    assert spans(extractor, "这条水泥路坑坑洼洼") == []
    assert spans(extractor, "一下雨积水就漫到路中间") == []
    assert spans(extractor, "新修了好多路") == []
    assert spans(extractor, "乱停车影响路人视线") == []


def test_compound_names_jieba_splits_or_tags_as_words(extractor: LocationExtractor) -> None:
    assert spans(extractor, "和平新村那几栋老楼什么时候拆") == [("和平新村", "compound")]  # 和 is not a joiner here
    assert spans(extractor, "长庚新村里违章搭建挡住了通道") == [("长庚新村", "compound")]  # 长庚新|村里
    assert spans(extractor, "东岸华庭的地下车库漏水") == [("东岸华庭", "compound")]  # 东岸 is a place word
    assert spans(extractor, "金马国际花园西门那边晚上有人飙车") == [("金马国际花园", "compound")]
    assert spans(extractor, "本人对华悦城物业的做法有意见") == [("华悦城", "compound")]  # 对 is a preposition
    assert spans(extractor, "禹洲天境的水压太低") == [("禹洲天境", "compound")]
    assert spans(extractor, "楼下花园里有人遛狗") == []


def test_kinds_of_city_and_district_are_not_places(extractor: LocationExtractor) -> None:
    assert spans(extractor, "都说是大城市了，下水道还是往外冒水") == []
    assert spans(extractor, "创文明城市那阵子天天有人扫街") == []
    assert spans(extractor, "老城区的巷子太窄，消防车进不去") == []
    assert spans(extractor, "金石路上新开了个夜市") == [("金石路", "road")]


def test_numbered_villages_and_names_after_a_preposition(extractor: LocationExtractor) -> None:
    assert spans(extractor, "长江一村门口的公交站撤了") == [("长江一村", "community")]  # jieba: 长江|一村
    # 对悦禧 is jieba gluing the preposition onto the name: the name starts after it.
    assert spans(extractor, "物业将会对悦禧山庄的业主收费") == [("悦禧山庄", "compound")]
    assert spans(extractor, "中国石油洞井小区停水了") == [("洞井小区", "compound")]
    assert spans(extractor, "谈何全国文明小区") == []


def test_northern_dao_roads_and_road_sections(extractor: LocationExtractor) -> None:
    # 道 ends roads in 天津 (成都道, 营口道) but far more everyday words: only after a place name.
    assert spans(extractor, "营口道地铁站B口的扶梯坏了") == [("营口道", "road")]
    assert spans(extractor, "曲阜道与南京路交口的斑马线磨没了")[0] == ("曲阜道与南京路交口", "intersection")
    assert spans(extractor, "右转车道天天被违停占着") == []
    assert spans(extractor, "油烟直接排进楼道") == []
    assert spans(extractor, "楼下饭店的烟道冒黑烟") == []
    # A road's numbered section (成都: 一环路南二段) stays in the mention.
    assert spans(extractor, "一环路南二段36号旁边那家汽修店") == [("一环路南二段36号", "address")]
    assert spans(extractor, "二环路东五段高架桥下有人搭棚子") == [("二环路东五段", "road")]
    # A road named with an everyday noun and a direction: 人民|东路.
    assert spans(extractor, "人民东路的地下通道晚上太黑了") == [("人民东路", "road")]


def test_bridges_lanes_highways_and_beijing_compounds(extractor: LocationExtractor) -> None:
    assert spans(extractor, "四惠桥下面那片积水淹了好几辆车") == [("四惠桥", "road")]
    assert spans(extractor, "史家胡同里头私家车停得满满当当") == [("史家胡同", "road")]
    assert spans(extractor, "安慧北里有人在绿地里私自挖了个鱼池") == [("安慧北里", "compound")]
    assert spans(extractor, "知春路甲48号楼下的外卖柜") == [("知春路甲48号", "address")]
    # Everyday bridges and roads are not names: 天桥, 高架桥, 一级公路.
    assert spans(extractor, "过街天桥的电梯又坏了") == []
    assert spans(extractor, "高架桥下有人搭棚子住") == []
    # A road's name may head a longer road, street or community.
    assert spans(extractor, "高升桥东路晚上大车飙得好快") == [("高升桥东路", "road")]
    assert spans(extractor, "多次到华夏路社区开居住证明") == [("华夏路社区", "community")]
    assert ("太平路", "road") in spans(extractor, "太平路路灯半年未亮")


def test_ring_roads_crossings_in_shizi_and_work_unit_housing(extractor: LocationExtractor) -> None:
    assert spans(extractor, "南三环辅道施工的围挡占了一条道") == [("南三环", "road")]
    assert spans(extractor, "科技路与唐延路十字东南角") == [("科技路与唐延路十字", "intersection")]
    assert spans(extractor, "西电家属院的老楼加装电梯") == [("西电家属院", "compound")]
    assert spans(extractor, "湖北日报宿舍的围墙被人拆了") == [("湖北日报宿舍", "compound")]
    assert spans(extractor, "学生宿舍里太吵") == []
    # Numbered roads and roads named with virtue words (团结, 幸福).
    assert spans(extractor, "电子二路那个菜市场门口") == [("电子二路", "road")]
    assert spans(extractor, "团结大道上的绿化带里全是烟头") == [("团结大道", "road")]
    assert spans(extractor, "走了不少冤枉路") == []
