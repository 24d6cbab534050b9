"""NLP test fixtures: a small test gazetteer (not the demo one) and shared taggers.

Taggers are session-scoped: building jieba's prefix dictionary takes seconds, and
the tagger is read-only once initialized.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from nlp.config import NlpConfig
from nlp.gazetteer import Gazetteer
from nlp.locations import LocationExtractor
from nlp.segmenter import Segmenter
from nlp.tagger import Tagger

HERE = Path(__file__).resolve().parent
TEST_GAZETTEER = HERE / "data" / "gazetteer.csv"
DEMO_GAZETTEER = HERE.parents[1] / "demo" / "data" / "gazetteer.csv"


@pytest.fixture(scope="session")
def nlp_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlp-cache")


@pytest.fixture
def gazetteer() -> Gazetteer:
    """A fresh copy per test: some tests teach it aliases."""
    return Gazetteer.from_csv(TEST_GAZETTEER)


@pytest.fixture(scope="session")
def test_tagger(nlp_cache: Path) -> Tagger:
    tagger = Tagger.from_settings(NlpConfig(jurisdiction="绍兴市"), TEST_GAZETTEER, {}, nlp_cache)
    tagger.initialize()
    return tagger


@pytest.fixture(scope="session")
def demo_tagger(nlp_cache: Path) -> Tagger:
    tagger = Tagger.from_settings(NlpConfig(jurisdiction="嘉兴市"), DEMO_GAZETTEER, {}, nlp_cache)
    tagger.initialize()
    return tagger


@pytest.fixture(scope="session")
def segmenter(test_tagger: Tagger) -> Segmenter:
    return test_tagger.segmenter


@pytest.fixture
def extractor(gazetteer: Gazetteer, segmenter: Segmenter) -> LocationExtractor:
    return LocationExtractor(gazetteer, segmenter)
