"""The ingress's Prometheus metrics: the request middleware and `GET /metrics`.

The middleware is plain ASGI (no request objects, no extra task): it times the
request, notes the status the app sends, and labels both with the Starlette route
template the router matched (`scope["route"]`), never the path, which holds ids.
Measured by `python -m bench.metrics_overhead`: a few microseconds a request.
"""

import time

from prometheus_client import Counter, Gauge
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas import metric_names as names
from schemas.metrics import (
    UNMATCHED,
    HttpMetrics,
    PublishMetrics,
    exposition,
    method_label,
    process_registry,
)

REGISTRY = process_registry()
HTTP = HttpMetrics(REGISTRY)
PUBLISH = PublishMetrics(REGISTRY)
PBX_EVENTS = Counter(
    names.PBX_EVENTS_INGESTED, "PBX event reports accepted (durable in Kafka).", registry=REGISTRY
)
LOOP_LAG = Gauge(
    names.LOOP_LAG, "How late the event loop ran at its latest probe.", registry=REGISTRY
)
SHED = Counter(names.SHED, "Requests answered 503 by the shedding gate.", registry=REGISTRY)
FORWARDED_HEADERS = ("x-forwarded-for", "forwarded")


class RequestMetrics:
    """ASGI middleware: counts and times every HTTP request by route template and status."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics = HTTP) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it started

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            route = getattr(scope.get("route"), "path", UNMATCHED)
            seconds = time.perf_counter() - started
            self.metrics.record(route, method_label(scope["method"]), status, seconds)


async def metrics_page(request: Request) -> Response:
    """`GET /metrics`; 404 through a proxy, so that an Ingress in front does not publish it."""
    if any(h in request.headers for h in FORWARDED_HEADERS):
        return Response(status_code=404)
    body, content_type = exposition(REGISTRY, request.headers.get("accept"))
    return Response(body, media_type=content_type)
