"""Serve a request on the worker that actively owns the customer's partition.

faust's own `table_route` forwards neither the body nor a marker against loops, so
this is the same idea with both: a worker that is not the owner forwards the request,
body included, to the owner's canonical URL once.
"""

import logging
from collections.abc import Awaitable, Callable

from yarl import URL

from processors.app import Hub
from processors.runtime.faust_types import Response, View, WebRequest
from schemas.responder import FORWARDED_HEADER
from schemas.topics import partition_for

log = logging.getLogger(__name__)

Serve = Callable[[], Awaitable[Response]]
OWNER_TABLE = "customers"
PASSED_HEADERS = ("X-Hub-Event-Secret",)


def _ident(url: URL) -> tuple[str, int]:
    return (url.host or "", int(url.port or 80))


def owner_url(hub: Hub, client_id: str) -> URL | None:
    """The canonical URL of the worker owning the client's partition, None if unknown.

    Not faust's `router.key_store`: it hashes the table's JSON-serialized key, while every
    record is placed by the clientId's own bytes (`partition_for`), so it would name the
    wrong worker whenever there are several.
    """
    part = partition_for(client_id, hub.settings.partitions)
    changelog = hub.names.changelog(OWNER_TABLE)
    for url, topics in hub.app.assignor.tables_metadata().items():
        if part in topics.get(changelog, ()):
            return URL(url)
    return None


def is_ready(hub: Hub) -> bool:
    """Whether the tables are settled: not rebalancing, not recovering."""
    return not (hub.app.rebalancing or hub.app.in_recovery)


async def route(
    hub: Hub, view: View, request: WebRequest, client_id: str, serve: Serve
) -> Response:
    """Serve locally when this worker owns the client, else forward once; 503 while unsure."""
    if not is_ready(hub):
        return _unavailable(view, "tables are recovering or rebalancing; retry shortly")
    url = owner_url(hub, client_id)
    if url is None:
        return _unavailable(view, "no worker owns this partition yet; retry shortly")
    if _ident(url) == _ident(URL(hub.app.conf.canonical_url)):
        return await serve()
    if request.headers.get(FORWARDED_HEADER):
        return _unavailable(view, "ownership is moving between workers; retry shortly")
    return await _forward(hub, view, request, url)


async def _forward(hub: Hub, view: View, request: WebRequest, owner: URL) -> Response:
    target = owner.with_path(request.path).with_query(request.query)
    body = await request.read()
    headers = {FORWARDED_HEADER: "1", "Content-Type": request.content_type}
    for name in PASSED_HEADERS:
        if name in request.headers:
            headers[name] = request.headers[name]
    try:
        async with hub.app.http_client.request(
            request.method, target, data=body, headers=headers
        ) as resp:
            payload = await resp.read()
            return view.bytes(payload, content_type=resp.content_type, status=resp.status)
    except OSError as e:
        log.warning("forward to %s failed: %s", owner, e)
        return _unavailable(view, "the owning worker is unreachable; retry shortly")


def _unavailable(view: View, reason: str) -> Response:
    return view.json({"error": reason}, status=503)
