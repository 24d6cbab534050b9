"""The recorded train/dev split, extended (never redrawn) as hand labels are added.

A dev set redrawn on every labelling round makes each round's figures incomparable
with the last, and a dev set frozen at the first round stops being a sample of the
labels: the first rounds went to the messages the lexicon was unsure about, so a
frozen dev set would stay the hard cases only. ``dev_ids.txt`` and ``train_ids.txt``
record each labelled message's side. A label added since joins the side its topic
group is already on (a reworded copy of a dev message is dev, never train), and the
labels in new topic groups are split as the first round was, about ``fraction`` of
each first-level category. The dev set thus grows at the rate the labels do.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nlp.training.corpus import Example, Message
from nlp.training.topics import Doc, split_groups, topic_groups

DEV, TRAIN = "dev", "train"


def extend_split(groups: Sequence[int], strata: Sequence[str], recorded: Sequence[str | None],
                 fraction: float, seed: int) -> list[str]:
    """``dev`` or ``train`` per item: recorded sides kept, new items placed by topic group.

    A new item whose group holds a recorded dev item is dev (leakage into train is
    the error that matters); one whose group holds only train items is train; items in
    groups with no recorded member are split by ``split_groups``.
    """
    sides: dict[int, set[str]] = {}
    for group, side in zip(groups, recorded):
        if side is not None:
            sides.setdefault(group, set()).add(side)
    result: list[str | None] = list(recorded)
    fresh: list[int] = []
    for index, (group, side) in enumerate(zip(groups, recorded)):
        if side is not None:
            continue
        known = sides.get(group)
        if known:
            result[index] = DEV if DEV in known else TRAIN
        else:
            fresh.append(index)
    if fresh:
        _, dev_idx = split_groups([groups[i] for i in fresh], [strata[i] for i in fresh], fraction, seed)
        chosen = {fresh[i] for i in dev_idx}
        for index in fresh:
            result[index] = DEV if index in chosen else TRAIN
    return [side or TRAIN for side in result]


def _read_keys(path: Path) -> set[str]:
    return set(path.read_text(encoding="utf-8").split()) if path.is_file() else set()


def _write_keys(path: Path, keys: Sequence[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{key}\n" for key in sorted(keys)), encoding="utf-8")


def message_groups(messages: list[Message]) -> dict[str, int]:
    """Topic group per message key."""
    groups = topic_groups([Doc(m.key, m.content, m.user, m.title) for m in messages])
    return {m.key: g for m, g in zip(messages, groups)}


def recorded_split(examples: list[Example], messages: list[Message], dev_ids: Path, fraction: float,
                   seed: int, group_of: dict[str, int] | None = None) -> tuple[list[Example], list[Example]]:
    """(train, dev) from the recorded ids, extended to new labels; both files rewritten.

    ``train_ids.txt`` sits beside ``dev_ids.txt``. A dev file without a train file (a
    split recorded before train ids were kept) means every other label was train.
    """
    train_ids = dev_ids.with_name("train_ids.txt")
    dev_keys = _read_keys(dev_ids)
    train_keys = _read_keys(train_ids)
    labelled = {e.key for e in examples}
    if dev_keys & labelled and not train_ids.is_file():
        train_keys = labelled - dev_keys
    recorded = [DEV if e.key in dev_keys else TRAIN if e.key in train_keys else None for e in examples]
    if all(side is not None for side in recorded) and dev_keys & labelled and train_keys & labelled:
        sides = [side or TRAIN for side in recorded]
    else:
        group_of = group_of if group_of is not None else message_groups(messages)
        keys = [group_of[e.key] for e in examples]
        strata = [str(e.labels["level1"]) for e in examples]
        sides = extend_split(keys, strata, recorded, fraction, seed)
        if DEV not in sides:  # the records name other labels: start a split afresh
            sides = extend_split(keys, strata, [None] * len(examples), fraction, seed)
    train = [e for e, side in zip(examples, sides) if side == TRAIN]
    dev = [e for e, side in zip(examples, sides) if side == DEV]
    if train and dev:
        # Ids of labels no longer present are kept: a label file may come back.
        _write_keys(dev_ids, sorted(dev_keys - labelled | {e.key for e in dev}))
        _write_keys(train_ids, sorted(train_keys - labelled | {e.key for e in train}))
    return train, dev
