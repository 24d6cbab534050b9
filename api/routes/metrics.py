"""Prometheus metrics, collected from the store at scrape time into a per-app registry.

Counts live in the database (crawl runs, posts, cases, the outbox), so they survive
restarts and agree across processes; reading them per scrape costs a few indexed
aggregate queries. Latencies (run duration, publication→storage, alert→delivery) are
quantiles over the last 24 hours, as gauges: windows, not counters to take rates of.
The running service adds its own numbers (crawls running and queued, the Redis
frontier's depth, source health) through ``ServiceCollector``; HTTP request counters
are the only other in-process numbers.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from api.deps import Reader
from index.models import Alert, Case, CrawlRun, Delivery, PlaceQuery, Post
from index.store import Store

router = APIRouter(tags=["ops"])
_RUN_COUNTERS = ("pages", "items", "new_posts", "updated_posts", "errors")
_WINDOW = timedelta(hours=24)
_SAMPLE_LIMIT = 20_000  # newest rows a latency quantile is taken over
_QUANTILES = (0.5, 0.9, 0.99)


def quantile(values: Sequence[float], q: float) -> float:
    """The nearest-rank quantile of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _quantile_family(name: str, documentation: str, samples: dict[str, list[float]],
                     label: str | None = "source") -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=([label] if label else []) + ["quantile"])
    for key, values in sorted(samples.items()):
        for q in _QUANTILES:
            if values:
                family.add_metric(([key] if label else []) + [str(q)], quantile(values, q))
    return family


def _seconds(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds(), 0.0)


class StoreCollector(Collector):
    """Reads the monitor's state from the store on every scrape."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(timezone.utc)
        with self.store.session() as session:
            sums = session.execute(select(CrawlRun.source_id, *[func.sum(getattr(CrawlRun, name))
                                                                for name in _RUN_COUNTERS])
                                   .group_by(CrawlRun.source_id)).all()
            for index, name in enumerate(_RUN_COUNTERS, start=1):
                family = CounterMetricFamily(f"minsheng_crawl_{name}", f"Crawled {name} per source, all runs",
                                             labels=["source"])
                for row in sums:
                    family.add_metric([row[0]], float(row[index] or 0))
                yield family
            yield _gauge(session.execute(select(CrawlRun.source_id, CrawlRun.status, func.count())
                                         .group_by(CrawlRun.source_id, CrawlRun.status)).all(),
                         "minsheng_crawl_runs", "Crawl runs per source and status", ["source", "status"])
            yield _gauge(session.execute(select(Post.source_id, func.count()).group_by(Post.source_id)).all(),
                         "minsheng_posts", "Stored posts per source", ["source"])
            yield _gauge(session.execute(select(Case.status, func.count()).group_by(Case.status)).all(),
                         "minsheng_cases", "Cases per status", ["status"])
            yield _gauge(session.execute(select(Alert.type, func.count()).group_by(Alert.type)).all(),
                         "minsheng_alerts", "Alerts in the outbox per type", ["type"])
            yield _gauge([(session.scalar(select(func.count()).where(Alert.acked_at.is_(None))) or 0,)],
                         "minsheng_alerts_unacked", "Alerts nobody has acknowledged", [])
            yield _gauge(session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all(),
                         "minsheng_deliveries", "Webhook deliveries per status (pending = queue depth)",
                         ["status"])
            oldest = session.scalar(select(func.min(Delivery.created_at)).where(Delivery.status == "pending"))
            lag = (now - oldest).total_seconds() if oldest else 0.0
            yield _gauge([(max(lag, 0.0),)], "minsheng_delivery_lag_seconds",
                         "Age of the oldest undelivered webhook delivery", [])
            yield _gauge([(session.scalar(select(func.count()).where(PlaceQuery.status == "open")) or 0,)],
                         "minsheng_needs_location", "Complaints waiting for staff to give a place", [])
            yield from self._latencies(session, now)

    def _latencies(self, session: Any, now: datetime) -> Iterator[Metric]:
        since = now - _WINDOW
        durations: dict[str, list[float]] = {}
        last_ok = GaugeMetricFamily("minsheng_crawl_last_success_timestamp_seconds",
                                    "When each source last finished a crawl that worked", labels=["source"])
        for source, started, finished in session.execute(
                select(CrawlRun.source_id, CrawlRun.started_at, CrawlRun.finished_at)
                .where(CrawlRun.finished_at >= since, CrawlRun.status != "skipped")
                .order_by(CrawlRun.id.desc()).limit(_SAMPLE_LIMIT)):
            durations.setdefault(source, []).append(_seconds(finished, started))
        for source, finished in session.execute(select(CrawlRun.source_id, func.max(CrawlRun.finished_at))
                                                .where(CrawlRun.status.in_(("ok", "partial")))
                                                .group_by(CrawlRun.source_id)):
            if finished is not None:
                last_ok.add_metric([source], finished.timestamp())
        yield last_ok
        yield _quantile_family("minsheng_crawl_run_duration_seconds", "Crawl run duration, runs of the last 24 h",
                               durations)
        ingest: dict[str, list[float]] = {}
        # New posts only: an edit refreshes fetched_at long after publication.
        for source, published, fetched in session.execute(
                select(Post.source_id, Post.published_at, Post.fetched_at)
                .where(Post.fetched_at >= since, Post.edited_at.is_(None))
                .order_by(Post.id.desc()).limit(_SAMPLE_LIMIT)):
            ingest.setdefault(source, []).append(_seconds(fetched, published))
        yield _quantile_family("minsheng_ingest_latency_seconds",
                               "Publication to storage, posts stored in the last 24 h", ingest)
        delivered = [_seconds(done, created) for created, done in session.execute(
            select(Delivery.created_at, Delivery.delivered_at).where(Delivery.delivered_at >= since)
            .order_by(Delivery.id.desc()).limit(_SAMPLE_LIMIT))]
        yield _quantile_family("minsheng_alert_delivery_latency_seconds",
                               "Alert written to webhook delivered, deliveries of the last 24 h",
                               {"": delivered}, label=None)


class ServiceCollector(Collector):
    """What only the running service knows: its crawl queue, the Redis frontier, source health."""

    NAMES = ("minsheng_crawls_running", "minsheng_crawl_queue_depth", "minsheng_frontier_queue_depth",
             "minsheng_source_health_problem")

    def __init__(self, app_state: Any) -> None:
        self.app_state = app_state

    def describe(self) -> Iterator[Metric]:
        """Names only, so the registry refuses a second copy of this collector."""
        for name in self.NAMES:
            yield GaugeMetricFamily(name, name)

    def collect(self) -> Iterator[Metric]:
        scheduler = getattr(self.app_state, "scheduler", None)
        runtime = self.app_state.runtime
        settings = runtime.settings
        if scheduler is not None and hasattr(scheduler, "waiting"):
            running = GaugeMetricFamily("minsheng_crawls_running", "Crawl subprocesses running now", labels=["source"])
            for source in sorted(scheduler.running):
                running.add_metric([source], 1.0)
            yield running
            yield _gauge([(scheduler.waiting,)], "minsheng_crawl_queue_depth",
                         "Crawls due but waiting for a free slot", [])
        if settings.crawl.frontier == "redis" and settings.crawl.redis_url:
            yield self._frontier(settings)
        yield self._health(runtime.store, settings)

    def _frontier(self, settings: Any) -> Metric:
        from redis import Redis
        from redis.exceptions import RedisError

        family = GaugeMetricFamily("minsheng_frontier_queue_depth", "Requests waiting in the shared Redis frontier",
                                   labels=["source"])
        try:
            server = Redis.from_url(settings.crawl.redis_url, socket_timeout=2)
            for source in settings.sources:
                if source.kind in ("discuz", "douyin"):
                    family.add_metric([source.id], float(server.zcard(f"minsheng:frontier:{source.kind}:{source.id}:queue")))
        except RedisError:
            pass  # Redis down: the crawls will say so; the scrape must still answer
        return family

    def _health(self, store: Store, settings: Any) -> Metric:
        from crawlers.health import findings_of
        from crawlers.health_rules import RULES

        family = GaugeMetricFamily("minsheng_source_health_problem",
                                   "1 when a health rule currently finds a problem with a source",
                                   labels=["source", "rule"])
        now = datetime.now(timezone.utc)
        with store.session() as session:
            for source in settings.sources:
                if source.kind in ("discuz", "douyin"):
                    found = {f.rule for f in findings_of(session, source, settings.health, now)}
                    for rule in RULES:
                        family.add_metric([source.id, rule], 1.0 if rule in found else 0.0)
        return family


def _gauge(rows: list, name: str, documentation: str, labels: list[str]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=labels)
    for row in rows:
        family.add_metric([str(value) for value in row[:-1]], float(row[-1] or 0))
    return family


class HttpMetrics:
    """Per-app request counter and latency histogram (labels use the route template)."""

    def __init__(self, registry: CollectorRegistry, api_prefix: str) -> None:
        self.api_prefix = api_prefix
        self.requests = Counter("minsheng_http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=registry)
        self.latency = Histogram("minsheng_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=registry)

    def observe(self, request: Request, status: int, seconds: float) -> None:
        route = getattr(request.scope.get("route"), "path", None) or "unmatched"
        # Included routers report their path without the prefix they were mounted under;
        # put it back so /api/v1/cases/{case_id} and the UI's /cases/{case_id} stay apart.
        if request.url.path.startswith(self.api_prefix + "/") and route.startswith("/") \
                and not route.startswith(self.api_prefix + "/"):
            route = self.api_prefix + route
        self.requests.labels(request.method, route, str(status)).inc()
        self.latency.labels(route).observe(seconds)


def make_registry(store: Store, api_prefix: str) -> tuple[CollectorRegistry, HttpMetrics]:
    """A registry for one app: store-backed gauges plus this app's HTTP counters."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(store))
    return registry, HttpMetrics(registry, api_prefix)


def _with_service_collector(app_state: Any) -> CollectorRegistry:
    """The app's registry, with ServiceCollector added on first scrape (the app exists before
    the service sets its hooks, so this cannot happen in make_registry)."""
    registry = app_state.metrics_registry
    if not getattr(app_state, "service_metrics", False):
        app_state.service_metrics = True
        try:
            registry.register(ServiceCollector(app_state))
        except ValueError:
            pass  # a concurrent first scrape registered it (describe() names clash)
    return registry


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, principal: Reader) -> Response:
    registry = _with_service_collector(request.app.state)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
