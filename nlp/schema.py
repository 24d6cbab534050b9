"""The tag schema: what the tagger says about one post (printed by `minsheng tag`)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PlaceType = Literal["city", "district", "street", "community", "road", "intersection",
                    "compound", "poi", "address"]
AppealType = Literal["complaint", "help", "report", "suggestion", "consultation", "none"]
Urgency = Literal["high", "normal", "low"]


class ResolvedPlace(BaseModel):
    id: str
    name: str
    type: str
    city: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    lat: float | None = None
    lon: float | None = None


class Location(BaseModel):
    text: str
    start: int
    end: int
    type: PlaceType
    resolved: ResolvedPlace | None = None


class Category(BaseModel):
    level1: str
    level2: str
    level3: str
    score: float = Field(ge=0, le=1)


class Tags(BaseModel):
    is_complaint: bool
    complaint_score: float = Field(ge=0, le=1)
    appeal_type: AppealType
    category: Category
    department: str | None = None
    locations: list[Location] = Field(default_factory=list)
    place: ResolvedPlace | None = None
    urgency: Urgency
    tagger: str
    # Space-joined jieba tokens of title + text: the search engines index these.
    tokens: str = Field(default="", exclude=True)


class TagInput(BaseModel):
    """What the tagger reads: the post, plus context that helps locate it."""

    title: str = ""
    text: str = ""
    # Default place context: the source's area, or the video title for its comments.
    area: str | None = None
    context: str | None = None
