"""The words place names end in, and the words that look like places but are kinds of place.

A suffix says what a name is (龙川|家园 a compound, 中山|路 a road, 新兴|街道 a street);
nlp.locations anchors its shape pass on them. Some words end in a suffix but name a kind,
not a place: 老旧小区 is any old compound, 文明城市 any city that won the title. These
patterns are checked on a whole candidate span, so they never cut a real name short.
"""
from __future__ import annotations

import re

# Longer suffixes first: the alternation tries them in this order (新村 before 村).
SUFFIXES: tuple[tuple[str, str], ...] = (
    *((s, "compound") for s in ("小区", "花园", "家园", "花苑", "公寓", "新村", "大厦", "华庭", "名邸", "华府", "公馆",
                                "山庄", "名筑", "北里", "南里", "西里", "东里", "家属院", "宿舍", "豪庭", "雅苑", "新邨",
                                "大院", "苑")),
    # 北里: 北京's 安慧北里; 家属院, 宿舍: a work unit's housing (西电家属院, 湖北日报宿舍)
    ("社区", "community"), ("村", "community"), ("街道", "street"), ("镇", "street"), ("乡", "street"),
    # 桥: overpasses name places in 北京 (航天桥, 四惠桥); 胡同 its lanes; 高速/公路 highways.
    *((s, "road") for s in ("大道", "横街", "直街", "横路", "路", "街", "巷", "弄", "道", "胡同", "高速", "公路", "桥")),
    ("区", "district"), ("县", "district"), ("市", "city"), ("省", "city"),
)
SUFFIX_TYPE = dict(SUFFIXES)
ANCHOR = re.compile("|".join(s for s, _ in SUFFIXES))
# Suffixes that only ever end a name, so one common noun may be the whole stem (学府苑).
NAME_ONLY_SUFFIXES = frozenset({"苑", "花苑", "家园", "新村", "华庭", "名邸", "华府", "公馆", "山庄", "名筑", "家属院", "豪庭", "雅苑", "新邨"})
# Words saying what kind of compound, not which: 老旧小区, 开放式小区, 商品房小区.
KIND_OF_COMPOUND = re.compile(r"(?:很多|一些|部分|多个|周边|附近|内|全|半|老旧|老|新建|新|城镇|开放式|封闭式|商品房|商住|安置"
                               r"|回迁|保障房|高档|普通|居民|住宅|高危|涉事|无物业|城中村|拆迁|文明|全国|职工|教职工|学生|女生|男生|员工|集体|单身|教师|清洁工|单位|家属院)+")
# Kinds of city or district, not names: 大城市, 文明城市, 老城区, 限购区.
GENERIC_AREA = re.compile(r"(?:座|大|小|中|新|老|旧|主|文明|卫生|园林|智慧|宜居|一线|二线|三线|县级|地级|省会|沿海)*"
                           r"(?:城市|城区|市区)|(?:限购|限行|禁行|禁停|禁燃|郊|厂|校|辖|管)区|(?:城中|自然|行政)村|(?:美丽|新)?乡村|新农村")
COMPOUND_TAIL = re.compile(r"(?:小区|[一二三四五六七八九\d]期|[东西南北]区)+")
PLACE_CUE = re.compile(r"一带|片区|辖区|这边|那边|附近|地区|境内|范围")
# A gazetteer name right before 路 or 小区 heads a longer name: 福明|路688号, 西园|小区.
# …but not 路 starting an everyday word: 太平路|路灯, 小塘路|路面.
ROAD_AFTER = re.compile(r"[东南西北中]?(?:大道|大街|路(?![灯面段口边况线人过基宽幅])|巷|弄|街(?!道))")  # 玉林|东路 too
COMPOUND_AFTER = re.compile("|".join(s for s, kind in SUFFIXES if kind == "compound"))
# 南门 names streets in many cities, and every compound's gate: 医院南门 is a gate, 在南门 may be the street.
GATE = re.compile(r"[东西南北]门")
GATE_LEAD = frozenset("在到去从往近住和与及是、，。,. ")
# jieba glues a name's suffix to what follows it (柳岸|路上, 晓风|公寓楼, 长庚新|村里):
# a word that is a place suffix plus one of these is cut after the suffix.
LOCATIVE_TAIL = re.compile(r"(?:上|下|边|旁|里|内|外|段|楼|口|门口|附近|对面)$")
ROAD_WORDS = frozenset(s for s, kind in SUFFIXES if kind == "road")  # 路, 街, 大道, …: as words of their own
