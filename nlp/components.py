"""Tagger components: small steps that each fill part of a ``Doc``, spaCy style.

The pipeline is a list of component names from ``NlpConfig.pipeline``; each
component declares what it needs so a misordered config fails at start-up with
one line instead of producing half-empty tags.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nlp.appeal import Appeal, ComplaintModel
from nlp.category import CategoryModel
from nlp.gazetteer import Gazetteer
from nlp.locations import LocationExtractor
from nlp.resolve import Mention, PlaceResolution, resolve_place
from nlp.routing import DepartmentRouter
from nlp.schema import Category, TagInput, Urgency
from nlp.segmenter import Segmenter, Token
from nlp.urgency import UrgencyRules


@dataclass(slots=True)
class Doc:
    """One post on its way through the pipeline."""

    post: TagInput
    text_tokens: list[Token] = field(default_factory=list)
    title_tokens: list[Token] = field(default_factory=list)
    search_tokens: str = ""
    mentions: list[Mention] = field(default_factory=list)
    resolution: PlaceResolution | None = None
    appeal: Appeal | None = None
    category: Category | None = None
    department: str | None = None
    urgency: Urgency | None = None


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    code: str  # short form for the Tags.tagger version string
    needs: tuple[str, ...]
    run: Callable[[Doc], None]


def segment(segmenter: Segmenter) -> Component:
    def run(doc: Doc) -> None:
        doc.text_tokens = segmenter.analyze(doc.post.text)
        doc.title_tokens = segmenter.analyze(doc.post.title) if doc.post.title else []
        # Same words as segmenter.search_tokens(title + "\n" + text): jieba never joins
        # across a line break, so segmenting the two parts separately is equivalent.
        doc.search_tokens = segmenter.index_tokens(t.word for t in doc.title_tokens + doc.text_tokens)
    return Component("segment", "seg", (), run)


def locate(extractor: LocationExtractor, gazetteer: Gazetteer, jurisdiction: str | None) -> Component:
    def run(doc: Doc) -> None:
        extras = [extra for extra in (doc.post.context, doc.post.area) if extra]
        found = extractor.extract_parts([(doc.post.text, doc.text_tokens), (doc.post.title, doc.title_tokens),
                                         *((extra, None) for extra in extras)])
        doc.mentions = found[0]
        # Title, source area and thread/video title place the post when its text does not.
        context: list[Mention] = list(found[1])
        for extra, mentions in zip(extras, found[2:]):
            whole = [(p.id, 1.0) for p in gazetteer.lookup(extra)]
            context += mentions or ([Mention(extra, 0, len(extra), "area", whole)] if whole else [])
        doc.resolution = resolve_place(doc.mentions, gazetteer, area=context, jurisdiction=jurisdiction)
    return Component("locate", "loc", ("segment",), run)


def complaint(model: ComplaintModel) -> Component:
    def run(doc: Doc) -> None:
        doc.appeal = model.assess(doc.post.title, doc.post.text)
    return Component("complaint", f"cmp.{model.name}", (), run)


def category(model: CategoryModel) -> Component:
    def run(doc: Doc) -> None:
        doc.category = model.classify(doc.post.title, doc.post.text)
    return Component("category", f"cat.{model.name}", (), run)


def route(router: DepartmentRouter) -> Component:
    def run(doc: Doc) -> None:
        # No evidence, no routing: a guessed department would send the post astray.
        doc.department = router.route(doc.category) if doc.category and doc.category.score > 0 else None
    return Component("route", "dep", ("category",), run)


def urgency(rules: UrgencyRules) -> Component:
    def run(doc: Doc) -> None:
        appeal_type = doc.appeal.type if doc.appeal else "none"
        doc.urgency = rules.assess(f"{doc.post.title}\n{doc.post.text}", appeal_type)
    return Component("urgency", "urg", ("complaint",), run)


def check_order(components: list[Component]) -> None:
    """Raise ValueError naming the first component whose prerequisite runs later or never."""
    seen: set[str] = set()
    for component in components:
        if component.name in seen:
            raise ValueError(f"nlp.pipeline: component {component.name!r} is listed twice")
        for need in component.needs:
            if need not in seen:
                raise ValueError(f"nlp.pipeline: {component.name!r} needs {need!r} to run before it")
        seen.add(component.name)
