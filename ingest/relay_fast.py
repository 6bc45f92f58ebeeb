"""The relay heartbeat's fast path: plain ASGI in front of the Starlette app.

Every heartbeat would otherwise pass Starlette's exception and routing layers and
build a `Request`; measured by `python -m bench.hotpath`, those layers were about a
quarter of the ingress's CPU per heartbeat. Here a `PUT` whose path is a heartbeat's
goes straight to `ingest.relay.answer` (the same code the Starlette route runs) and is
counted in the request metrics under the route's template; everything else, and the
lifespan, goes on to the app unchanged.
"""

import re
import time
from collections.abc import AsyncIterator

from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.metrics import HTTP
from ingest.relay import ROUTE, answer
from ingest.services import Services
from schemas.metrics import HttpMetrics, method_label

# What Starlette's `{clientId}` matches: one path segment, not empty.
_PATH = re.compile(r"/api/customer/([^/]+)/heartbeat")


class RelayFastPath:
    """ASGI middleware: serves relay heartbeats itself, passes everything else on."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics = HTTP) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.fullmatch(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the handler raises
        try:
            services: Services = scope["app"].state.services
            client = scope.get("client")
            response = await answer(
                services,
                match.group(1),
                Headers(scope=scope),
                _body(receive),
                client[0] if client else "",
            )
            status = response.status_code
            await response(scope, receive, send)
        finally:
            self.metrics.record(ROUTE, method_label("PUT"), status, time.perf_counter() - started)


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    """The request body's chunks, as Starlette's `Request.stream()` gives them."""
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return
