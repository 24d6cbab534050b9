"""Turning a stored post and its tags into the document both search engines index."""
from __future__ import annotations

from index.models import Post, PostTag
from index.search.base import SearchDoc


def to_search_doc(post: Post, tag: PostTag | None, case_id: str | None = None) -> SearchDoc:
    place = (tag.place or {}) if tag else {}
    return SearchDoc(
        id=post.id, source_id=post.source_id, kind=post.kind, url=post.url,
        title=post.title, text=post.text, tokens=tag.tokens if tag else "",
        author_id=post.author_id, author_name=post.author_name, published_at=post.published_at,
        level1=tag.level1 if tag else None, level2=tag.level2 if tag else None,
        level3=tag.level3 if tag else None, district=tag.district if tag else None,
        street=tag.street if tag else None, community=tag.community if tag else None,
        place_id=tag.place_id if tag else None, place_name=place.get("name"),
        lat=tag.lat if tag else None, lon=tag.lon if tag else None,
        is_complaint=bool(tag and tag.is_complaint), urgency=tag.urgency if tag else "normal",
        case_id=case_id,
    )
