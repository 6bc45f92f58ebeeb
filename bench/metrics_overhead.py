"""What the ingress's request metrics cost a request: `python -m bench.metrics_overhead`.

Calls a bare ASGI app (bench.ceiling's) directly in a loop, with and without the
`RequestMetrics` middleware around it, and prints the difference per request, with
the cost of one publish observation. Figures only; nothing is asserted.
"""

import asyncio
import time
from typing import Any

from prometheus_client import CollectorRegistry
from starlette.routing import Route

from bench import ceiling
from ingest.metrics import RequestMetrics
from schemas.metrics import HttpMetrics, PublishMetrics

ROUNDS = 200_000
ROUTE = Route("/api/customer/{clientId}/heartbeat", ceiling.app, methods=["PUT"])
SCOPE = {"type": "http", "method": "PUT", "path": "/api/customer/acme/heartbeat"}
REQUEST = {"type": "http.request", "body": b"", "more_body": False}


async def routed(scope: Any, receive: Any, send: Any) -> None:
    """The bare app, with the route the router would have matched."""
    scope["route"] = ROUTE
    await ceiling.app(scope, receive, send)


async def receive() -> Any:
    """The request body, at once."""
    return REQUEST


async def send(message: Any) -> None:
    """Drop the answer."""


async def per_request_s(app: Any) -> float:
    """Seconds per request of `app`, over ROUNDS calls."""
    started = time.perf_counter()
    for _ in range(ROUNDS):
        await app(dict(SCOPE), receive, send)
    return (time.perf_counter() - started) / ROUNDS


def per_observation_s() -> float:
    """Seconds per acknowledged-publish observation."""
    publish = PublishMetrics(CollectorRegistry())
    started = time.perf_counter()
    for _ in range(ROUNDS):
        publish.acknowledged("hub.relay-heartbeats", 0.002)
    return (time.perf_counter() - started) / ROUNDS


async def main() -> None:
    """Print the figures, best of three runs each."""
    measured = RequestMetrics(routed, HttpMetrics(CollectorRegistry()))
    bare = min([await per_request_s(routed) for _ in range(3)])
    with_metrics = min([await per_request_s(measured) for _ in range(3)])
    publish = min(per_observation_s() for _ in range(3))
    print(f"bare ASGI app:           {bare * 1e6:7.2f} µs per request")
    print(f"with RequestMetrics:     {with_metrics * 1e6:7.2f} µs per request")
    print(f"middleware overhead:     {(with_metrics - bare) * 1e6:7.2f} µs per request")
    print(f"publish observation:     {publish * 1e6:7.2f} µs per record")


if __name__ == "__main__":
    asyncio.run(main())
