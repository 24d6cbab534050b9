"""The learned place-name tagger: tags, decoding, features, training and its file."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nlp.segmenter import Segmenter
from nlp.span_model import BUCKETS_BITS, START, Featurizer, SpanModel, gold_tags, tag_spans, viterbi
from nlp.training.place_fit import Example, fit


def test_gold_tags_mark_every_occurrence_longest_first() -> None:
    assert gold_tags("青年路和青年路口", ["青年路"]) == [1, 2, 2, 0, 1, 2, 2, 0]
    # The longer span wins where two overlap.
    assert gold_tags("金色夏威夷北门", ["夏威夷", "金色夏威夷"]) == [1, 2, 2, 2, 2, 0, 0]
    assert gold_tags("没有地方", []) == [0, 0, 0, 0]


def test_tag_spans_reads_b_i_runs() -> None:
    assert tag_spans([0, 1, 2, 2, 0, 1, 1, 2]) == [(1, 4), (5, 6), (6, 8)]


def test_viterbi_never_continues_a_name_that_did_not_begin() -> None:
    transitions = np.zeros((4, 3))
    # Emissions favour I right after O; the best legal path must start the name with B.
    emissions = np.array([[5.0, 0.0, 0.0], [0.0, 1.0, 3.0], [0.0, 0.0, 3.0]])
    path = viterbi(emissions, transitions)
    assert path == [0, 1, 2]
    assert viterbi(np.array([[0.0, 0.0, 9.0]]), transitions) != [2]
    assert transitions.shape[0] == START + 1


def test_features_are_stable_hashed_rows(segmenter: Segmenter) -> None:
    featurizer = Featurizer(segmenter.frequency)
    text = "住在金色夏威夷北门"
    rows = featurizer.rows(text, segmenter.analyze(text))
    assert rows.shape[1] == len(text)
    assert rows.max() < 1 << BUCKETS_BITS
    # Same text, same rows: nothing depends on Python's per-process string hashing.
    assert np.array_equal(rows, Featurizer(segmenter.frequency).rows(text, segmenter.analyze(text)))


def _examples(segmenter: Segmenter, posts: list[tuple[str, list[str]]]) -> list[Example]:
    featurizer = Featurizer(segmenter.frequency)
    return [Example(featurizer.rows(t, segmenter.analyze(t)), gold_tags(t, s)) for t, s in posts]


def test_training_learns_names_from_context_and_survives_a_round_trip(segmenter: Segmenter, tmp_path: Path) -> None:
    names = ["蓝谷地", "翠湖天地", "金色屋顶", "橡树湾", "星河传说", "阳光水岸", "融侨世家", "天鹅堡"]
    templates = ["{}的物业又涨价了", "住在{}的朋友说停水了", "{}北门外面天天有人摆摊", "{}3栋电梯坏了"]
    posts = [(tpl.format(name), [name]) for name in names for tpl in templates]
    posts += [("今天天气不错，出去走走", []), ("物业费涨了也不说一声", []), ("电梯又坏了，谁来管管", [])]
    model = fit(_examples(segmenter, posts), epochs=10)
    featurizer = Featurizer(segmenter.frequency)
    unseen = "碧水云天的物业又涨价了"  # a name the model never saw, in a context it did
    found = [unseen[a:b] for a, b in model.spans(unseen, segmenter.analyze(unseen), featurizer)]
    assert found == ["碧水云天"]
    quiet = "今天天气不错，出去走走"
    assert model.spans(quiet, segmenter.analyze(quiet), featurizer) == []
    path = tmp_path / "spans.npz"
    model.save(path)
    loaded = SpanModel.load(path)
    assert loaded.spans(unseen, segmenter.analyze(unseen), featurizer) == \
        model.spans(unseen, segmenter.analyze(unseen), featurizer)
