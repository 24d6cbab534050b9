"""The composition root: builds each stage from the one Settings object, once.

Entry points (the CLI, the API app, the crawl subprocess, tests) make a Runtime and
pass it on; nothing else constructs stages. Heavy parts (the tagger's dictionaries
and models, the search engine) are built on first use, so `minsheng export` does not
pay for jieba and `minsheng search` does not load the classifier.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from api.settings import Settings
from crawlers.items import RawPost
from index.ingest import IngestPipeline, IngestReport, SourceInfo, ingest
from index.search.base import SearchIndex
from index.store import Store


class Runtime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.home.mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        return cls(settings)

    # -- stages ---------------------------------------------------------------------
    @cached_property
    def store(self) -> Store:
        return Store(self.settings.effective_database_url)

    @cached_property
    def tagger(self) -> Any:
        from nlp.tagger import Tagger

        tagger = Tagger.from_settings(self.settings.nlp, self.settings.gazetteer, self.settings.routing,
                                      cache_dir=self.settings.home / "cache")
        tagger.initialize()
        from api.ui.placing import teach_tagger

        for alias in self._learned_aliases():  # what staff taught through the needs-location queue
            # A place staff added (new_place) must exist before its alias can point at it.
            teach_tagger(tagger, alias.alias, alias.place_id, alias.new_place)
        return tagger

    def segment(self, text: str) -> str:
        """The query analyser: the tagger's own segmentation, so queries match documents."""
        return self.tagger.query_tokens(text)

    @cached_property
    def search(self) -> SearchIndex:
        config = self.settings.search
        if config.backend == "elasticsearch":
            from index.search.es_engine import ElasticIndex

            return ElasticIndex(config.url, config.index_name, segment=self.segment)
        from index.search.tantivy_engine import TantivyIndex

        return TantivyIndex(self.settings.index_dir, segment=self.segment)

    @cached_property
    def cases(self) -> Any:
        from cases.engine import CaseEngine

        return CaseEngine(self.settings.effective_rules, self.settings.match, self.settings.sla,
                          webhooks=self.settings.webhooks)

    @cached_property
    def pipeline(self) -> IngestPipeline:
        return IngestPipeline(store=self.store, tagger=self.tagger, sources=self.source_info,
                              search=self.search, cases=self.cases)

    # -- operations -----------------------------------------------------------------
    def source_info(self, source_id: str) -> SourceInfo:
        for source in self.settings.sources:
            if source.id == source_id:
                return SourceInfo(kind=source.kind, name=source.name, area=source.area)
        # Feeds named only on the command line (`minsheng ingest --source hotline`).
        return SourceInfo(kind="hotline" if source_id == "hotline" else "feed", name=source_id)

    def ingest(self, posts: Sequence[RawPost], *, now: datetime | None = None) -> IngestReport:
        return ingest(posts, self.pipeline, now=now or datetime.now(timezone.utc))

    def _learned_aliases(self) -> list[Any]:
        from sqlalchemy import select

        from index.models import PlaceAlias

        with self.store.session() as session:
            return list(session.scalars(select(PlaceAlias).order_by(PlaceAlias.id)))

    def close(self) -> None:
        for name in ("search", "store"):
            stage = self.__dict__.pop(name, None)
            if stage is not None:
                stage.close()
