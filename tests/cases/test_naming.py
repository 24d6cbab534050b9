"""Case titles: the place and a few words naming the problem."""
from __future__ import annotations

import jieba
import pytest

from cases.naming import case_title, problem_phrase, token_phrase

CROSSING = "南溪路与双溪路交叉口"


def tokens(text: str) -> str:
    return " ".join(jieba.lcut(text))


@pytest.mark.parametrize("text, places, expected", [
    ("南溪路与双溪路交叉口满地玻璃碴，电动车骑过去很危险", [CROSSING], "满地玻璃碴"),
    ("这个路口的玻璃碴到底有没有人管啊，天天扎胎", [], "玻璃碴"),
    ("小区门口的路灯坏了好几天了晚上黑漆漆的", [], "路灯坏"),
    ("@城管 楼下烧烤摊油烟太大了 呛死人", [], "楼下烧烤摊油烟太大"),
    ("南溪路与双溪路交叉口夜里施工太吵，根本睡不着", [CROSSING], "夜里施工太吵"),
])
def test_problem_words_of_a_comment(text, places, expected):
    assert token_phrase(tokens(text), places) == expected


def test_phrases_are_short_and_empty_when_nothing_is_said():
    long = tokens("垃圾清运车辆噪音扰民问题长期存在严重影响周边居民正常休息生活")
    assert 2 <= len(token_phrase(long, [])) <= 12
    assert token_phrase(tokens("谢谢！！！"), []) == ""
    assert token_phrase("", []) == ""


def test_title_prefers_the_post_title_then_the_text_then_the_category():
    text = "南溪路与双溪路交叉口满地玻璃碴到底有没有人管啊"
    assert problem_phrase("【紧急】南溪路与双溪路交叉口满地玻璃碴", text, [CROSSING], "市政设施",
                          tokens=tokens(text)) == "满地玻璃碴"
    assert problem_phrase("", text, [CROSSING], "市政设施", tokens=tokens(text)) == "满地玻璃碴"
    assert problem_phrase("", "谢谢", [], "市政设施", tokens=tokens("谢谢")) == "市政设施"
    assert problem_phrase("", "", [], None) == "市民诉求"
    assert case_title(CROSSING, "满地玻璃碴") == "南溪路与双溪路交叉口 · 满地玻璃碴"
    assert case_title(None, "满地玻璃碴") == "满地玻璃碴"
