"""ORM rows and search hits → API models, with masking applied by the caller's role.

Masking happens here, at the one place rows leave the service, so no route can forget it.
"""
from __future__ import annotations

from index.models import Alert, Case, CaseEvent, CasePost, Post
from index.search.base import Hit, SearchResult

from api.masking import mask_fields, mask_highlights, mask_text
from api.schemas.alerts import AlertOut
from api.schemas.cases import CaseDetail, CaseEventOut, CaseOut, EvidenceOut
from api.schemas.posts import FacetBucket, HitDoc, HitOut, PostOut, SearchOut, TagsOut

_TAG_FIELDS = tuple(TagsOut.model_fields)
_POST_FIELDS = tuple(name for name in PostOut.model_fields if name not in ("tags", "case_ids"))


def post_out(post: Post, *, unmasked: bool, case_ids: list[str] | None = None) -> PostOut:
    data = {name: getattr(post, name) for name in _POST_FIELDS}
    tag = post.tags
    data["tags"] = TagsOut(**{name: getattr(tag, name) for name in _TAG_FIELDS}) if tag else None
    data["case_ids"] = case_ids or []
    return PostOut(**(data if unmasked else mask_fields(data)))


def hit_out(hit: Hit, *, unmasked: bool) -> HitOut:
    doc = hit.doc.model_dump(exclude={"tokens"})
    if not unmasked:
        doc = mask_fields(doc)
    highlights = hit.highlights if unmasked else mask_highlights(hit.highlights)
    return HitOut(id=hit.id, score=hit.score, post=HitDoc(**doc), highlights=highlights)


def search_out(result: SearchResult, *, page: int, size: int, unmasked: bool) -> SearchOut:
    facets = {}
    for field, buckets in result.facets.items():
        # Author ids can be phone numbers on some forums; mask facet values too.
        facets[field] = [FacetBucket(value=value if unmasked or field != "author_id" else mask_text(value) or "",
                                     count=count) for value, count in buckets]
    return SearchOut(total=result.total, page=page, size=size, took_ms=result.took_ms, facets=facets,
                     hits=[hit_out(hit, unmasked=unmasked) for hit in result.hits])


def case_out(case: Case, *, unmasked: bool) -> CaseOut:
    out = CaseOut.model_validate(case, from_attributes=True)
    if not unmasked:
        out.title = mask_text(out.title) or ""
    return out


def evidence_out(row: CasePost, *, unmasked: bool) -> EvidenceOut:
    out = EvidenceOut.model_validate(row, from_attributes=True)
    return out if unmasked else EvidenceOut(**mask_fields(out.model_dump()))


def event_out(row: CaseEvent, *, unmasked: bool) -> CaseEventOut:
    out = CaseEventOut.model_validate(row, from_attributes=True)
    if not unmasked and out.reason:
        out.reason = mask_text(out.reason)
    return out


def case_detail(case: Case, *, unmasked: bool) -> CaseDetail:
    return CaseDetail(case=case_out(case, unmasked=unmasked),
                      evidence=[evidence_out(row, unmasked=unmasked) for row in case.evidence],
                      events=[event_out(row, unmasked=unmasked) for row in case.events])


def alert_out(alert: Alert, *, unmasked: bool) -> AlertOut:
    out = AlertOut.model_validate(alert, from_attributes=True)
    if not unmasked:
        out.title = mask_text(out.title) or ""
        out.payload = _mask_payload(out.payload)
    return out


def _mask_payload(value: object) -> object:
    """Alert payloads may quote post text anywhere in their structure."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _mask_payload(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_payload(item) for item in value]
    return value
