"""The heartbeats' fast paths: plain ASGI in front of the Starlette app.

Every heartbeat would otherwise pass Starlette's exception and routing layers; measured
by `python -m bench.hotpath`, those layers were about a fifth of the ingress's CPU per
relay heartbeat. Here a relay heartbeat (`PUT` on its route's template, compiled by
Starlette as the router does) goes straight to `ingest.relay.answer`, and a PBX API
call (`POST /api/v2.0.0/{call}`: heartbeats, mostly) straight to `ingest.pbx_api.pbx_call`,
the same code their Starlette routes run, each counted in the request metrics under its
template; everything else, and the lifespan, goes on to the app unchanged. It wraps the
app itself (it is what the server runs), not one of its middlewares, so that heartbeats
skip Starlette's app call and error layer too; a handler that raises is answered 500 by
the server.
"""

import time
from collections.abc import Awaitable, Callable
from re import Pattern

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from ingest import pbx_api, relay
from ingest.metrics import HTTP
from ingest.services import Services
from schemas.metrics import HttpMetrics, method_label

PBX_ROUTE = "/api/v2.0.0/{call}"
Handler = Callable[[Request, dict[str, str]], Awaitable[Response]]


async def _relay(request: Request, params: dict[str, str]) -> Response:
    services: Services = request.app.state.services
    peer = request.client.host if request.client else ""
    return await relay.answer(services, params["clientId"], request.headers, request.stream(), peer)


async def _pbx(request: Request, params: dict[str, str]) -> Response:
    request.scope["path_params"] = params
    return await pbx_api.pbx_call(request)


PATHS: tuple[tuple[str, str, Pattern[str], Handler], ...] = (
    ("PUT", relay.ROUTE, compile_path(relay.ROUTE)[0], _relay),
    ("POST", PBX_ROUTE, compile_path(PBX_ROUTE)[0], _pbx),
)


class FastPaths:
    """The ingress as ASGI: serves heartbeats itself, passes everything else on."""

    def __init__(self, app: Starlette, metrics: HttpMetrics = HTTP) -> None:
        self.app = app
        self.metrics = metrics

    @property
    def state(self) -> State:
        """The app's state (its `services`, set by the lifespan)."""
        return self.app.state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for method, route, pattern, handler in PATHS:
                if scope["method"] == method and (match := pattern.match(scope["path"])):
                    await self._serve(scope, receive, send, route, handler, match.groupdict())
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, scope: Scope, receive: Receive, send: Send, route: str, handler: Handler,
        params: dict[str, str],
    ) -> None:  # fmt: skip
        started = time.perf_counter()
        status = 500  # what the server answers when the handler raises
        try:
            scope["app"] = self.app
            request = Request(scope, receive)  # no parsing: headers and body read lazily
            response = await handler(request, params)
            status = response.status_code
            await response(scope, receive, send)
        finally:
            self.metrics.record(
                route, method_label(scope["method"]), status, time.perf_counter() - started
            )
