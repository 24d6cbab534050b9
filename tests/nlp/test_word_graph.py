"""RoutedTokenizer cuts exactly as jieba.Tokenizer does, only faster."""
from __future__ import annotations

import json
import random
from pathlib import Path

import jieba
import pytest

from nlp.word_graph import RoutedTokenizer

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "wenzheng" / "messages.jsonl"
TEXTS = [
    "南溪路与双溪路交叉口，一大片玻璃碴散落在路面上，车辆纷纷避让",
    "A市A3区联丰路米兰春天G2栋320，一家名叫一米阳光婚纱艺术摄影的影楼",
    "长庚新村里的路灯坏了三个月，晚上出行很不方便，希望有关部门尽快维修！！",
    "工地拖欠农民工工资2019年至今未付，我们30多人在项目部门口等了一天",
    "abc 123 ，。！ 混合English和中文的句子，还有全角ＡＢＣ１２３",
    "",
]


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory: pytest.TempPathFactory) -> tuple[jieba.Tokenizer, RoutedTokenizer]:
    cache = tmp_path_factory.mktemp("jieba")
    plain, routed = jieba.Tokenizer(), RoutedTokenizer()
    for tokenizer in (plain, routed):
        tokenizer.tmp_dir = str(cache)
        tokenizer.initialize()
        tokenizer.add_word("玻璃碴", freq=2000)  # user words change FREQ and total: both must see them
    return plain, routed


def _texts() -> list[str]:
    texts = list(TEXTS)
    if SHARED.is_file():  # real messages where the shared data is present
        lines = SHARED.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["text"][:400] for line in random.Random(3).sample(lines, 200)]
    return texts


def test_same_words_as_jieba_with_and_without_hmm(tokenizers) -> None:
    plain, routed = tokenizers
    for text in _texts():
        assert routed.lcut(text) == plain.lcut(text)
        assert routed.lcut(text, HMM=False) == plain.lcut(text, HMM=False)
        assert routed.lcut_for_search(text) == plain.lcut_for_search(text)


def test_same_graph_and_route(tokenizers) -> None:
    plain, routed = tokenizers
    for text in ("玻璃碴散落在南溪路", "的的的", "中华人民共和国"):
        assert routed.get_DAG(text) == plain.get_DAG(text)
        mine, theirs = {}, {}
        routed.calc(text, routed.get_DAG(text), mine)
        plain.calc(text, plain.get_DAG(text), theirs)
        assert mine == theirs
