"""What one crawl process shares: the app settings, the source and the runtime.

A crawl subprocess learns its config from ``-a config=PATH``, the ``MINSHENG_CONFIG``
Scrapy setting, or ``api.settings.locate_config()``. The
context is built once per crawler and kept on it, so the spider, the item pipeline and
the run recorder use the same store and ingest path.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from api.settings import ConfigError, Settings, load_settings, locate_config
from crawlers.sources import CrawlConfig

_ATTRIBUTE = "minsheng_context"


@dataclass
class CrawlContext:
    settings: Settings
    source: Any  # one of crawlers.sources' source models

    @cached_property
    def runtime(self) -> Any:
        """The composition root (store + ingest), built on first use."""
        from api.runtime import Runtime

        return Runtime.from_settings(self.settings)

    @property
    def store(self) -> Any:
        return self.runtime.store

    def close(self) -> None:
        runtime = self.__dict__.pop("runtime", None)
        if runtime is not None:
            runtime.close()


def attach_context(crawler: Any, source: str | Any, config: str | None = None) -> CrawlContext:
    """Load the settings, find ``source`` (an id or a source model) and keep both on ``crawler``."""
    existing = getattr(crawler, _ATTRIBUTE, None)
    if existing is not None:
        return existing
    path = config or crawler.settings.get("MINSHENG_CONFIG") or None
    settings = load_settings(locate_config(path))
    if isinstance(source, str):
        if not source:
            raise ConfigError("no source given: use -a source=ID")
        source = settings.source(source)
    context = CrawlContext(settings, source)
    setattr(crawler, _ATTRIBUTE, context)
    return context


def context_of(crawler: Any) -> CrawlContext:
    """The crawler's context, built from its spider's ``source`` and ``config`` if needed."""
    existing = getattr(crawler, _ATTRIBUTE, None)
    if existing is not None:
        return existing
    spider = crawler.spider
    return attach_context(crawler, getattr(spider, "source", ""), getattr(spider, "config", None))


def politeness_settings(crawl: CrawlConfig, source: Any) -> dict[str, Any]:
    """Scrapy settings that follow from the crawl config and the source."""
    settings: dict[str, Any] = {
        "USER_AGENT": getattr(source, "user_agent", None) or crawl.user_agent,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrency_per_domain),
        "DOWNLOAD_DELAY": crawl.download_delay_s,
    }
    from crawlers.frontier import frontier_settings  # scrapy-redis loads only where it is used

    settings.update(frontier_settings(crawl))
    return settings
