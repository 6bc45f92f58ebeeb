"""The relay heartbeat's fast path: plain ASGI in front of the Starlette app.

Every heartbeat would otherwise pass Starlette's exception and routing layers; measured
by `python -m bench.hotpath`, those layers were about a fifth of the ingress's CPU per
heartbeat. Here a `PUT` whose path matches the route's template (compiled by Starlette,
as the router does) goes straight to `ingest.relay.answer`, the same code the Starlette
route runs, and is counted in the request metrics under that template; everything
else, and the lifespan, goes on to the app unchanged. It wraps the app itself (it is
what the server runs), not one of its middlewares, so that heartbeats skip Starlette's
app call and error layer too; a handler that raises is answered 500 by the server.
"""

import time

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from ingest.metrics import HTTP
from ingest.relay import ROUTE, answer
from ingest.services import Services
from schemas.metrics import HttpMetrics, method_label

_PATH = compile_path(ROUTE)[0]


class RelayFastPath:
    """The ingress as ASGI: serves relay heartbeats itself, passes everything else on."""

    def __init__(self, app: Starlette, metrics: HttpMetrics = HTTP) -> None:
        self.app = app
        self.metrics = metrics

    @property
    def state(self) -> State:
        """The app's state (its `services`, set by the lifespan)."""
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = _PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None or scope["method"] != "PUT":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the handler raises
        try:
            request = Request(scope, receive)  # no parsing: headers and body read lazily
            services: Services = self.app.state.services
            peer = request.client.host if request.client else ""
            client_id = match.group("clientId")
            response = await answer(services, client_id, request.headers, request.stream(), peer)
            status = response.status_code
            await response(scope, receive, send)
        finally:
            self.metrics.record(ROUTE, method_label("PUT"), status, time.perf_counter() - started)
