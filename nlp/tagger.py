"""The tagger: a post (``TagInput``) in, ``Tags`` out.

Build with ``Tagger.from_settings(...)``, call ``initialize()`` once (loads the
gazetteer, jieba, lexicons: ~2 s cold, faster with a cache_dir), then ``tag`` /
``tag_batch`` from any number of callers. The classifiers are pluggable through
``CategoryModel`` / ``ComplaintModel``: the lexicon ones, or a trained checkpoint
(``nlp.model_path``, else ``nlp/models/default``) in the mode its config.json names.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

from nlp import components as steps
from nlp.appeal import ComplaintModel, LexiconComplaintModel
from nlp.blend import build_models
from nlp.category import CategoryModel, LexiconCategoryModel
from nlp.checkpoint import (ModelError, Prefetching, checkpoint_kind, checkpoint_lexicon_weight, checkpoint_mode,
                            load_classifier)
from nlp.config import NlpConfig
from nlp.gazetteer import Gazetteer, segmenter_words
from nlp.locations import LocationExtractor
from nlp.routing import DepartmentRouter
from nlp.schema import Category, TagInput, Tags
from nlp.segmenter import Segmenter
from nlp.span_model import SpanModel
from nlp.taxonomy import Taxonomy
from nlp.urgency import UrgencyRules

VERSION = "0.4"
SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"
SHIPPED_PLACE_MODEL = Path(__file__).resolve().parent / "models" / "places" / "spans.npz"
log = logging.getLogger(__name__)


class Tagger:
    """Runs the configured components over each post."""

    def __init__(self, config: NlpConfig, gazetteer_path: Path | None = None,
                 routing: Mapping[str, str] | None = None, cache_dir: Path | None = None,
                 category_model: CategoryModel | None = None,
                 complaint_model: ComplaintModel | None = None) -> None:
        self.config = config
        self.gazetteer_path = Path(gazetteer_path) if gazetteer_path else None
        self.routing = dict(routing or {})
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._category_model = category_model
        self._complaint_model = complaint_model
        self.gazetteer = Gazetteer()
        self._segmenter: Segmenter | None = None
        self._components: list[steps.Component] = []
        self._classifier: Prefetching | None = None
        self.mode = "lexicon"
        self.version = ""

    @classmethod
    def from_settings(cls, nlp_config: NlpConfig, gazetteer_path: Path | None,
                      routing: Mapping[str, str] | None, cache_dir: Path | None) -> Tagger:
        """A tagger for ``settings.nlp``, ``settings.gazetteer``, ``settings.routing``
        and a cache folder (e.g. ``settings.home / "cache"``). Call initialize() next."""
        return cls(nlp_config, gazetteer_path, routing, cache_dir)

    def model_dir(self) -> Path | None:
        """The fine-tuned checkpoint the config points at, if any exists.

        An explicit ``nlp.model_path`` must be a checkpoint (a typo there should not
        silently fall back to the lexicon); the shipped one is optional.
        """
        if not self.config.use_model:
            return None
        if self.config.model_path is not None:
            path = Path(self.config.model_path)
            if not (path / "config.json").is_file():
                raise ModelError(f"nlp.model_path {path}: not a model directory (no config.json)")
            return path
        return SHIPPED_MODEL_DIR if (SHIPPED_MODEL_DIR / "config.json").is_file() else None

    def _span_model(self) -> SpanModel | None:
        """The learned place-name tagger: the configured file (which must exist), else the shipped one."""
        if not self.config.use_place_model:
            return None
        path = self.config.place_model
        if path is not None and not Path(path).is_file():
            raise ModelError(f"nlp.place_model {path}: file not found")
        path = path or SHIPPED_PLACE_MODEL
        return SpanModel.load(path) if Path(path).is_file() else None

    def _trained_models(self, taxonomy: Taxonomy, lexicon_category: CategoryModel,
                        lexicon_complaint: ComplaintModel) -> tuple[CategoryModel, ComplaintModel]:
        """The models the checkpoint's recorded mode asks for; the lexicon if none."""
        path = self.model_dir()
        if path is None:
            return lexicon_category, lexicon_complaint
        mode = checkpoint_mode(path)
        if mode == "lexicon":
            # Training found the lexicon best: keep torch weights out of memory entirely.
            return lexicon_category, lexicon_complaint
        self._classifier = load_classifier(path, threads=1)
        # e.g. "blend.ngram": stored tags say which kind of model produced them.
        self.mode = f"{mode}.{checkpoint_kind(path)}"
        return build_models(mode, self._classifier, taxonomy, lexicon_category, lexicon_complaint,
                            self.config.complaint_threshold, checkpoint_lexicon_weight(path))

    def initialize(self) -> None:
        """Load gazetteer, segmenter, lexicons and models; validate the pipeline."""
        if self.gazetteer_path is not None:
            self.gazetteer = Gazetteer.from_csv(self.gazetteer_path)
        self._segmenter = Segmenter(segmenter_words(self.gazetteer), lexicon=self.config.lexicon,
                                    cache_dir=self.cache_dir)
        self._segmenter.initialize()
        taxonomy = Taxonomy.load(self.config.taxonomy)
        self._classifier, self.mode = None, "lexicon"
        category_model: CategoryModel = LexiconCategoryModel(taxonomy)
        complaint_model: ComplaintModel = LexiconComplaintModel(self.config.complaint_threshold)
        if self._category_model is None or self._complaint_model is None:
            category_model, complaint_model = self._trained_models(taxonomy, category_model, complaint_model)
        # Explicit models win over whatever the checkpoint says; the version says so.
        if self._category_model is not None and self._complaint_model is not None:
            self.mode = "custom"
        elif self._category_model is not None or self._complaint_model is not None:
            self.mode += "+custom"
        category_model = self._category_model or category_model
        complaint_model = self._complaint_model or complaint_model
        extractor = LocationExtractor(self.gazetteer, self._segmenter, self._span_model())
        factories = {
            "segment": lambda: steps.segment(self._segmenter),
            "locate": lambda: steps.locate(extractor, self.gazetteer, self.config.jurisdiction),
            "complaint": lambda: steps.complaint(complaint_model),
            "category": lambda: steps.category(category_model),
            "route": lambda: steps.route(DepartmentRouter(self.routing)),
            "urgency": lambda: steps.urgency(UrgencyRules()),
        }
        unknown = [name for name in self.config.pipeline if name not in factories]
        if unknown:
            raise ValueError(f"nlp.pipeline: unknown component {unknown[0]!r} (known: {', '.join(factories)})")
        components = [factories[name]() for name in self.config.pipeline]
        steps.check_order(components)
        self._components = components
        self._fallback = taxonomy.fallback()
        self.version = f"{self.mode}-{VERSION}:" + "+".join(c.code for c in components)

    @property
    def segmenter(self) -> Segmenter:
        if self._segmenter is None:
            raise RuntimeError("Tagger.initialize() has not been called")
        return self._segmenter

    def search_tokens(self, text: str) -> str:
        """The documents' search analyser (Tags.tokens)."""
        return self.segmenter.search_tokens(text)

    def query_tokens(self, text: str) -> str:
        """The queries' search analyser: the same words, without compound sub-words."""
        return self.segmenter.query_tokens(text)

    def learn_alias(self, place_id: str, alias: str) -> None:
        """Teach a new way of writing a place (staff "needs location" queue)."""
        self.gazetteer.add_alias(place_id, alias)
        self.segmenter.add_word(alias)

    def tag(self, post: TagInput) -> Tags:
        """Tag one post."""
        if not self._components:
            raise RuntimeError("Tagger.initialize() has not been called")
        doc = steps.Doc(post=post)
        for component in self._components:
            component.run(doc)
        appeal = doc.appeal
        resolution = doc.resolution
        return Tags(
            is_complaint=appeal.is_complaint if appeal else False,
            complaint_score=appeal.score if appeal else 0.0,
            appeal_type=appeal.type if appeal else "none",
            category=doc.category or Category(level1=self._fallback[0], level2=self._fallback[1],
                                              level3=self._fallback[2], score=0.0),
            department=doc.department,
            locations=resolution.locations if resolution else [],
            place=resolution.place if resolution else None,
            urgency=doc.urgency or "normal",
            tagger=self.version,
            tokens=doc.search_tokens,
        )

    def tag_batch(self, posts: Sequence[TagInput]) -> list[Tags]:
        """Tag several posts, in order; a trained model predicts them in batches first."""
        if self._classifier is not None:
            self._classifier.prefetch([(p.title, p.text) for p in posts])
        return [self.tag(post) for post in posts]
