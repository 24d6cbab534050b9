"""The recorded train/dev split: kept as labels grow, new labels placed by topic group."""
from __future__ import annotations

from pathlib import Path

from nlp.training.corpus import Example, Message
from nlp.training.split import DEV, TRAIN, extend_split, recorded_split

BASE = "A3区西湖街道茶场村五组什么时候能启动征地拆迁，村民等了三年还没有消息，请政府给个说法"


def test_recorded_sides_stay_and_new_items_follow_their_group() -> None:
    groups = [0, 0, 1, 1, 2, 3]
    recorded = [DEV, None, TRAIN, None, None, None]
    sides = extend_split(groups, ["a"] * 6, recorded, 0.5, seed=1)
    assert sides[:4] == [DEV, DEV, TRAIN, TRAIN]
    # Two new groups of one stratum at fraction 0.5: one goes each way.
    assert sorted(sides[4:]) == [DEV, TRAIN]


def test_a_group_on_both_sides_sends_its_new_members_to_dev() -> None:
    assert extend_split([0, 0, 0], ["a"] * 3, [DEV, TRAIN, None], 0.2, seed=1) == [DEV, TRAIN, DEV]


def _example(key: str, text: str, level1: str = "城乡建设") -> Example:
    return Example(key, "", text, {"level1": level1})


def _message(key: str, text: str) -> Message:
    file, number = key.split(":")
    return Message(file, number, "", "", text)


def test_recorded_split_extends_the_files(tmp_path: Path) -> None:
    texts = {"messages:1": BASE, "messages:2": "幼儿园收费太高，每月三千元，远超物价部门核定标准",
             "messages:3": "夜宵摊占道经营到凌晨，油烟噪音扰民，城管多次处理无果",
             "messages:4": "请问" + BASE, "messages:5": "小区电梯三天两头坏，物业不修，老人上下楼困难"}
    messages = [_message(k, t) for k, t in texts.items()]
    dev_ids = tmp_path / "dev_ids.txt"
    dev_ids.write_text("messages:1\n", encoding="utf-8")
    first = [_example(k, texts[k]) for k in ("messages:1", "messages:2", "messages:3")]
    train, dev = recorded_split(first, messages, dev_ids, 0.2, seed=7)
    # No train file yet: everything labelled outside the dev file was train.
    assert [e.key for e in dev] == ["messages:1"]
    assert (tmp_path / "train_ids.txt").read_text(encoding="utf-8").split() == ["messages:2", "messages:3"]

    grown = first + [_example(k, texts[k]) for k in ("messages:4", "messages:5")]
    train, dev = recorded_split(grown, messages, dev_ids, 0.2, seed=7)
    keys = {e.key for e in dev}
    assert {"messages:1", "messages:4"} <= keys  # the reworded copy of a dev message is dev
    assert {"messages:2", "messages:3"} <= {e.key for e in train}
    assert set(dev_ids.read_text(encoding="utf-8").split()) == keys
    # Read back unchanged: the files now cover every label.
    again_train, again_dev = recorded_split(grown, messages, dev_ids, 0.2, seed=99)
    assert {e.key for e in again_dev} == keys and len(again_train) == len(train)


def test_records_of_other_labels_start_a_fresh_split(tmp_path: Path) -> None:
    dev_ids = tmp_path / "dev_ids.txt"
    dev_ids.write_text("replied_messages:9\n", encoding="utf-8")
    texts = ["路灯坏了三个月，晚上一片漆黑", "幼儿园收费太高远超核定标准", "夜宵摊占道经营到凌晨",
             "小区电梯三天两头坏物业不修", "工厂夜里偷排废水河水发臭", "公交班次太少等车一小时",
             "驾校乱收补考费教练刁难", "麻将馆整夜吵闹无法入睡", "开发商延期交房还要加价",
             "拖欠农民工工资半年未付"]
    examples = [_example(f"messages:{i}", t) for i, t in enumerate(texts)]
    messages = [_message(f"messages:{i}", t) for i, t in enumerate(texts)]
    train, dev = recorded_split(examples, messages, dev_ids, 0.2, seed=7)
    assert dev and train and len(dev) + len(train) == 10
    assert "replied_messages:9" in dev_ids.read_text(encoding="utf-8").split()
