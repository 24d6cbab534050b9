"""The tagger picks its classifiers from the checkpoint's recorded mode."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.category import LexiconCategoryModel
from nlp.checkpoint import ModelError
from nlp.config import NlpConfig
from nlp.model import TransformerClassifier
from nlp.schema import TagInput
from nlp.tagger import SHIPPED_MODEL_DIR, Tagger
from nlp.taxonomy import Taxonomy
from nlp.training.finetune import classifier_from, head_values
from nlp.training.pretrain import ModelShape
from nlp.training.vocab import build_vocab, save_tokenizer

POSTS = [TagInput(title="噪音扰民", text="工地夜里施工，吵得睡不着，请城管查处"),
         TagInput(title="", text="请问学校秋季招生划片范围是什么"),
         TagInput(title="公交", text="公交班次太少，等车一小时")]


def _checkpoint(directory: Path, mode: str | None) -> Path:
    """An untrained but complete grouped-head checkpoint recording ``mode``."""
    tokenizer = save_tokenizer(build_vocab([p.title + p.text for p in POSTS], 1), directory, 32)
    heads = head_values(Taxonomy.load(), ["level1", "complaint", "level2", "appeal"])
    model = classifier_from(ModelShape(1, 16, 2, 32, 32), len(tokenizer), tokenizer.pad_token_id, heads, None,
                            "tiny-test", 32)
    if mode is not None:
        model.config.minsheng_mode = mode
    model.save_pretrained(str(directory))
    return directory


def _tagger(nlp_cache: Path, **config: object) -> Tagger:
    tagger = Tagger(NlpConfig(**config), None, {}, nlp_cache)
    tagger.initialize()
    return tagger


def test_shipped_checkpoint_in_lexicon_mode_loads_no_model(nlp_cache: Path) -> None:
    mode = json.loads((SHIPPED_MODEL_DIR / "config.json").read_text(encoding="utf-8")).get("minsheng_mode")
    tagger = _tagger(nlp_cache)
    assert tagger.model_dir() == SHIPPED_MODEL_DIR
    assert tagger.version.startswith(f"{mode}-" if mode == "lexicon" else f"{mode}.")
    if mode == "lexicon":
        assert tagger._classifier is None and "cat.lexicon" in tagger.version


@pytest.mark.parametrize("mode, code", [("blend", "cat.blend"), ("model", "cat.bert")])
def test_checkpoint_mode_is_used_and_named(tmp_path: Path, nlp_cache: Path, mode: str, code: str) -> None:
    tagger = _tagger(nlp_cache, model_path=_checkpoint(tmp_path / "ckpt", mode))
    assert isinstance(tagger._classifier, TransformerClassifier)
    assert tagger.version.startswith(f"{mode}.bert-") and code in tagger.version
    batch = tagger.tag_batch(POSTS)
    assert batch == [tagger.tag(p) for p in POSTS]
    assert all(t.category.level1 in Taxonomy.load().level1() for t in batch)


def test_use_model_false_and_explicit_models_win(tmp_path: Path, nlp_cache: Path) -> None:
    checkpoint = _checkpoint(tmp_path / "ckpt", "blend")
    assert _tagger(nlp_cache, model_path=checkpoint, use_model=False).version.startswith("lexicon-")
    explicit = LexiconCategoryModel(Taxonomy.load())
    tagger = Tagger(NlpConfig(model_path=checkpoint), None, {}, nlp_cache, category_model=explicit)
    tagger.initialize()
    assert tagger.version.startswith("blend.bert+custom-") and "cat.lexicon" in tagger.version
    assert "cmp.blend" in tagger.version


def test_broken_model_dir_is_a_one_line_error(tmp_path: Path, nlp_cache: Path) -> None:
    with pytest.raises(ModelError, match="nowhere"):
        _tagger(nlp_cache, model_path=tmp_path / "nowhere")
    bad = _checkpoint(tmp_path / "bad", "telepathy")
    with pytest.raises(ModelError, match=r"bad/config.json: unknown minsheng_mode 'telepathy'"):
        _tagger(nlp_cache, model_path=bad)
    torn = tmp_path / "torn"
    torn.mkdir()
    (torn / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="torn/config.json: unreadable config"):
        _tagger(nlp_cache, model_path=torn)
    (torn / "config.json").write_text('{"minsheng_mode": "blend"}', encoding="utf-8")
    with pytest.raises(ModelError, match="torn") as caught:
        _tagger(nlp_cache, model_path=torn)
    assert "\n" not in str(caught.value)
