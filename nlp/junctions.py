"""How residents write the junction of two roads, as patterns over raw text.

南溪路与双溪路交叉口, 南溪路双溪路口, 南溪路和双溪路那个路口, 南溪路/双溪路 这个口子,
彩虹南路近民安东路 (the address form "on A near B"), and 中山路口 (a spot on one road).
The patterns only propose: nlp.locations checks each road's name against jieba's words.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from nlp.segmenter import Token

# 道 ends roads in northern cities (成都道, 黑牛城道) and many everyday words, which these
# characters start: 知道, 车道, 楼道, 管道, 人行道, 专用道, 右转道.
NOT_ROAD_BEFORE_DAO = "街知通渠频轨跑车航管报难味行隧赛坡楼匝辅便步用绿巷地顺弯岔栈走过夹孔转慢速人左右一观当之形荫小气告载省村拐占断装式将子看"
# A road's numbered section (一环路南三段): part of the road's mention, not of its name.
SECTION = r"[东南西北]?[一二三四五六七八九十]段"
SEGMENT = re.compile(SECTION + "$")
_ROAD = rf"(?:大道|路|街(?!道)|巷|弄|(?<![{NOT_ROAD_BEFORE_DAO}])道)(?:{SECTION})?"
JUNCTION = re.compile(
    rf"(?P<a>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})(?:与|和|跟|同|、|/)?(?P<b>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})"
    r"\s?(?:的|那个|这个|那|这)?(?:交叉路口|交叉口|十字路口|丁字路口|交汇处|交界处|交口|路口|口子|十字|口)"
    rf"|(?P<one>[\u4e00-\u9fff0-9]{{1,8}}?(?:大道|路|街))口(?![\u4e00-\u9fff]?[罩腔号岸碑])")
# A路/B路 and A路近B路 name a junction without saying 路口.
NEAR = re.compile(rf"(?P<a>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})\s?(?:/|／|靠近|近)\s?"
                  rf"(?P<b>[\u4e00-\u9fff0-9]{{1,8}}?{_ROAD})")
# jieba tags that never occur inside a road's name: particles, prepositions, pronouns,
# conjunctions, adverbs, punctuation, set phrases (十字路口).
_NOT_IN_NAMES = frozenset({"uj", "ul", "uz", "ud", "ug", "uv", "u", "p", "c", "r", "d", "y", "e", "w", "x", "l"})


def second_road_is_name(tokens: Sequence[Token], token_at: list[int], match: re.Match[str]) -> bool:
    """Is the second road of a junction match a name throughout (not 人民路|的杨家山路口)?"""
    start, end = match.span("b")
    if match["b"].startswith("口"):
        return False  # 杜鹃路口|到尖山路口: two spots on two roads, not one junction
    inside = tokens[token_at[start]:token_at[end - 1] + 1]
    # A word that starts before the road is jieba gluing the joiner on (与宁|穿路): not the road's.
    return not any(t.tag in _NOT_IN_NAMES for t in inside if t.start >= start)
