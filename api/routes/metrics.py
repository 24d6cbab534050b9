"""Prometheus metrics, collected from the store at scrape time into a per-app registry.

Counts live in the database (crawl runs, posts, cases, the outbox), so they survive
restarts and agree across processes; reading them per scrape costs a few indexed
aggregate queries. HTTP request counters are the only in-process numbers.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

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


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, principal: Reader) -> Response:
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
