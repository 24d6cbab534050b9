"""Choosing the blend's lexicon weight: folds keep topics whole."""
from __future__ import annotations

from nlp.training.blend_weight import topic_folds
from nlp.training.corpus import Example


def _example(key: str, text: str) -> Example:
    return Example(key, "", text, {"level1": "城乡建设"})


def test_near_duplicates_share_a_fold_and_every_example_has_one() -> None:
    base = "南湖区某小区地下车库长期积水，电梯也经常停运，物业一直不处理，居民出行很不方便"
    examples = [_example("a", base), _example("b", base + "。"), _example("c", "请问公交线路何时调整发车时间"),
                _example("d", "工厂夜里偷排废水，河水发黑发臭"), _example("e", "学校食堂收费太高")]
    folds = topic_folds(examples, 3)
    assert sorted(i for fold in folds for i in fold) == list(range(5))
    assert any({0, 1} <= set(fold) for fold in folds)
    assert topic_folds(examples, 3) == folds  # seeded: the same split every run
