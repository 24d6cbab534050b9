"""Every table of the store; importing this registers them all on Base.metadata."""
from index.models.access import ApiKey, AuditEntry, PlaceAlias, PlaceQuery, SavedSearch
from index.models.base import Base, UTCDateTime
from index.models.cases import Alert, Case, CaseEvent, CasePost, Delivery
from index.models.posts import CrawlRun, CrawlState, Post, PostTag, Source

__all__ = [
    "Alert", "ApiKey", "AuditEntry", "Base", "Case", "CaseEvent", "CasePost", "CrawlRun",
    "CrawlState", "Delivery", "PlaceAlias", "PlaceQuery", "Post", "PostTag", "SavedSearch",
    "Source", "UTCDateTime",
]
