"""Prometheus on the worker's web server: request metrics, `GET /metrics`, consumer lag.

The request middleware labels each request with its aiohttp route template (the
faust page's path, `/hub/heartbeat/{client_id}`), never the path itself.
"""

import time

from aiohttp import web
from aiohttp.typedefs import Handler
from faust.types import AppT
from prometheus_client import CollectorRegistry

from processors import metrics
from processors.app import Hub
from processors.metrics_tables import TableCollector
from processors.runtime.faust_types import Response, View, WebRequest, aiohttp_app
from processors.runtime.metrics_lag import group_lag, owned_partitions, watch_lag
from schemas.metrics import UNMATCHED, ConsumerLag, exposition, method_label


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def record_request(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request by route template, method and status."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as e:
        status = e.status
        raise
    finally:
        seconds = time.perf_counter() - started
        metrics.HTTP.record(_route(request), method_label(request.method), status, seconds)


def folded_topics(hub: Hub) -> tuple[str, ...]:
    """The input topics whose records the agents fold (ticks are only sweep signals)."""
    n = hub.names
    return (n.config, n.heartbeats, n.commands, n.pbx, n.pbx_deliveries)


async def measure_lag(hub: Hub) -> dict[str, int]:
    """The workers' group lag in this worker's active partitions, per input topic."""
    topics = folded_topics(hub)
    tps = owned_partitions(hub.app, topics)
    return await group_lag(hub.offsets, topics, tps, hub.applied)


def registry_for(hub: Hub, lag: ConsumerLag) -> CollectorRegistry:
    """What `/metrics` shows: the process's metrics and the hub's gauges."""
    registry = CollectorRegistry()
    for collector in (metrics.REGISTRY, TableCollector(hub), lag):
        registry.register(collector)
    return registry


def serve_metrics(app: AppT, registry: CollectorRegistry) -> None:
    """Mount `GET /metrics` on a faust app's web server."""

    @app.page("/metrics", name="hub-metrics")
    class MetricsPage(View):
        async def get(self, request: WebRequest) -> Response:
            body, content_type = exposition(registry, request.headers.get("Accept"))
            return self.bytes(body, headers={"Content-Type": content_type})


def attach(hub: Hub) -> CollectorRegistry:
    """Count the web server's requests, serve `/metrics`, measure the consumer lag."""
    lag = ConsumerLag(hub.settings.app_id)
    registry = registry_for(hub, lag)
    aiohttp_app(hub.app).middlewares.append(record_request)
    serve_metrics(hub.app, registry)
    watch_lag(hub.app, lag, lambda: measure_lag(hub), hub.settings.lag_interval_s)
    return registry
