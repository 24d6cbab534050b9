"""A crawl frontier shared through Redis: several worker processes, one queue, one dupefilter.

With ``crawl.frontier: redis`` every worker running the same source's crawl uses
``RedisFrontier`` as its Scrapy scheduler, in the manner of scrapy-redis (whose
priority queue and request serialisation it uses). Three things differ from
scrapy-redis' own scheduler, which does not fit here:

- **Job scope.** Fingerprints are kept per *job*: the span during which at least one
  worker is alive. The last worker to leave clears the job, so the next scheduled run
  fetches the boards again. (scrapy-redis either clears on the first worker's close,
  emptying the queue under the others, or keeps fingerprints forever.)
- **dont_filter.** Our spiders mark requests ``dont_filter`` because a run must
  re-fetch pages an earlier run saw; inside one job nothing is fetched twice, so the
  frontier filters them anyway. Retries (``retry_times`` in meta) and requests marked
  ``frontier_refetch`` pass.
- **No hoarding.** A worker takes a request from the queue only while its own
  downloader holds fewer than ``FRONTIER_LOCAL_BACKLOG`` (default: the per-domain
  concurrency). Scrapy would otherwise pull up to ``CONCURRENT_REQUESTS`` into one
  worker's slot queue and leave the others idle beside a long local backlog.
- **Idle workers wait.** A worker with nothing to do stays while another worker is
  busy (its answers may bring new requests), and leaves when all are idle.

Workers announce themselves with a heartbeat; one that died (SIGKILL) is forgotten
after ``FRONTIER_STALE_S``. A job whose workers are all gone is dropped by the next
worker to start: the store's incremental state, not the queue, is what resumes.
"""
from __future__ import annotations

import json
import os
import socket
import time
import uuid
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request
from scrapy_redis.queue import PriorityQueue
from twisted.internet.task import LoopingCall

from api.settings import ConfigError
from crawlers.sources import CrawlConfig

SCHEDULER_PATH = "crawlers.frontier.RedisFrontier"


def frontier_settings(crawl: CrawlConfig) -> dict[str, Any]:
    """Scrapy settings for the configured frontier (none for the in-memory default)."""
    if crawl.frontier != "redis":
        return {}
    if not crawl.redis_url:
        raise ConfigError("crawl.frontier is redis but crawl.redis_url is not set")
    return {"SCHEDULER": SCHEDULER_PATH, "MINSHENG_REDIS_URL": crawl.redis_url, "MINSHENG_SHARED_FRONTIER": True}


def job_prefix(spider: Any) -> str:
    """Redis key prefix of a source's crawl job."""
    return f"minsheng:frontier:{spider.name}:{getattr(spider, 'source_id', '') or 'default'}"


class RedisFrontier:
    """Scrapy scheduler over a Redis priority queue and fingerprint set shared by workers."""

    def __init__(self, crawler: Any, server: Redis) -> None:
        self.crawler = crawler
        self.server = server
        self.stats = crawler.stats
        self.stale_s = crawler.settings.getfloat("FRONTIER_STALE_S", 30.0)
        self.heartbeat_s = crawler.settings.getfloat("FRONTIER_HEARTBEAT_S", 2.0)
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.local_backlog = crawler.settings.getint(
            "FRONTIER_LOCAL_BACKLOG", crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8))
        self.state = "busy"
        self._heartbeat: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "RedisFrontier":
        url = crawler.settings.get("MINSHENG_REDIS_URL")
        if not url:
            raise ConfigError("the Redis frontier needs MINSHENG_REDIS_URL (crawl.redis_url)")
        server = Redis.from_url(url, socket_timeout=30)
        try:
            server.ping()
        except RedisError as exc:
            raise ConfigError(f"crawl.redis_url {url}: Redis does not answer ({exc})") from None
        return cls(crawler, server)

    # -- lifecycle ------------------------------------------------------------------------
    def open(self, spider: Any) -> None:
        self.spider = spider
        prefix = job_prefix(spider)
        self.keys = {name: f"{prefix}:{name}" for name in ("queue", "seen", "workers", "lock")}
        self.queue = PriorityQueue(self.server, spider, self.keys["queue"])
        with self.server.lock(self.keys["lock"], timeout=30, blocking_timeout=30):
            if not self._live_workers():
                # Leftovers of a job whose workers all died: start clean.
                self.server.delete(self.keys["queue"], self.keys["seen"], self.keys["workers"])
            self._beat("busy")
        self.crawler.signals.connect(self._on_idle, signal=signals.spider_idle)
        self._heartbeat = LoopingCall(self._beat)
        self._heartbeat.start(self.heartbeat_s, now=False)

    def close(self, reason: str) -> None:
        if self._heartbeat is not None and self._heartbeat.running:
            self._heartbeat.stop()
        with self.server.lock(self.keys["lock"], timeout=30, blocking_timeout=30):
            self.server.hdel(self.keys["workers"], self.worker)
            if not self._live_workers():
                self.server.delete(self.keys["queue"], self.keys["seen"], self.keys["workers"])

    # -- requests -------------------------------------------------------------------------
    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0

    def enqueue_request(self, request: Request) -> bool:
        if not (request.meta.get("retry_times") or request.meta.get("frontier_refetch")):
            fingerprint = self.crawler.request_fingerprinter.fingerprint(request).hex()
            if self.server.sadd(self.keys["seen"], fingerprint) == 0:
                self.stats.inc_value("frontier/filtered")
                return False
        self.queue.push(request)
        self.stats.inc_value("frontier/enqueued")
        return True

    def next_request(self) -> Request | None:
        if len(self.crawler.engine.downloader.active) >= self.local_backlog:
            # Leave the rest in Redis for the other workers; the engine asks again as
            # soon as one of ours finishes.
            return None
        request = self.queue.pop()
        if request is not None:
            self.stats.inc_value("frontier/dequeued")
            if self.state != "busy":
                self._beat("busy")
        return request

    # -- workers --------------------------------------------------------------------------
    def _beat(self, state: str | None = None) -> None:
        self.state = state or self.state
        self.server.hset(self.keys["workers"], self.worker, json.dumps({"state": self.state, "at": time.time()}))

    def _live_workers(self) -> dict[str, dict[str, Any]]:
        """Workers with a fresh heartbeat; stale ones are removed on the way."""
        live, now = {}, time.time()
        for name, raw in self.server.hgetall(self.keys["workers"]).items():
            info = json.loads(raw)
            if now - float(info.get("at", 0)) > self.stale_s:
                self.server.hdel(self.keys["workers"], name)
            else:
                live[name.decode() if isinstance(name, bytes) else name] = info
        return live

    def _on_idle(self, spider: Any) -> None:
        self._beat("idle")
        others_busy = any(info["state"] == "busy" for name, info in self._live_workers().items()
                          if name != self.worker)
        if others_busy or self.has_pending_requests():
            # Another worker's answers may still bring requests for this one to share.
            raise DontCloseSpider
