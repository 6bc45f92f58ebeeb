"""The PBX API's internal views on each worker's web server (see ingest.pbx_api).

Each is served by the worker owning the partition of its key (a clientId, a token, a
username or a source address), forwarded there by `processors.runtime.routing` otherwise.
Answers are JSON: `{"errno": ...}` or the call's fields; 404 means "nothing here";
503 means Kafka did not take a write, or the partition is moving.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import orjson

from processors.app import Hub
from processors.pbx import api as pbx_api
from processors.runtime.faust_types import Response, View, WebRequest
from processors.runtime.routing import route
from schemas import internal_api as api
from schemas.pbx_errno import Errno, failed
from schemas.pbx_requests import Callback
from schemas.pbx_upstream import upstream_view

JSON = "application/json"
SECRET_HEADER = "X-Hub-Event-Secret"  # noqa: S105 - a header name

Reply = tuple[int, bytes]
Params = dict[str, str]
Handler = Callable[[Hub, WebRequest, Params], Awaitable[Reply]]
Method = Callable[..., Awaitable[Response]]  # a View method: its keywords are the path's


@dataclass(frozen=True)
class Route:
    """One internal call: served by the owner of the path parameter `key`."""

    method: str
    path: str
    key: str
    handler: Handler


def _ok(body: dict[str, object]) -> Reply:
    return 200, orjson.dumps(body)


def _unrecorded(e: Exception) -> Reply:
    return 503, orjson.dumps({"error": f"not recorded: {e}"})


async def _pbx(hub: Hub, request: WebRequest, p: Params) -> Reply:
    await pbx_api.settle(hub, p["client_id"])
    found = pbx_api.pbx_view(hub, p["client_id"], p["pbx_id"])
    if found is None:
        return 404, b'{"error":"no such PBX"}'
    return 200, found.model_dump_json().encode()


async def _upstream(hub: Hub, request: WebRequest, p: Params) -> Reply:
    await pbx_api.settle(hub, p["client_id"])
    found = hub.pbx_upstreams.get(f"{p['client_id']}/{p['pbx_id']}")
    view = upstream_view(found) if found is not None else None
    if view is None:
        return 404, b'{"error":"no upstream connection"}'
    return 200, view.model_dump_json().encode()


async def _lock(hub: Hub, request: WebRequest, p: Params) -> Reply:
    address = p["address"]
    await pbx_api.settle(hub, address)
    locked = pbx_api.lockout(hub, address) is not None
    return _ok({"locked": locked, "failures": pbx_api.failures(hub, address)})


async def _user(hub: Hub, request: WebRequest, p: Params) -> Reply:
    await pbx_api.settle(hub, p["username"])
    user = hub.pbx_users.get(p["username"])
    if user is None:
        return 404, b'{"error":"no such user"}'
    return _ok({"clientId": user.client_id, "pbxId": user.pbx_id})


async def _verify(hub: Hub, request: WebRequest, p: Params) -> Reply:
    await pbx_api.settle(hub, p["username"])
    given = orjson.loads(await request.read()).get("password", "")
    user = await pbx_api.verify(hub, p["username"], str(given))
    if user is None:
        return 200, b'{"ok":false}'
    return _ok({"ok": True, "clientId": user.client_id, "pbxId": user.pbx_id})


async def _open(hub: Hub, request: WebRequest, p: Params) -> Reply:
    cid = p["client_id"]
    await pbx_api.settle(hub, cid)
    doc = orjson.loads(await request.read())
    cb = Callback.model_validate(doc["callback"])
    try:
        got = await pbx_api.open_session(hub, cid, doc["pbxId"], doc["user"], cb)
    except pbx_api.NotRecorded as e:
        return _unrecorded(e)
    if got.token is None:
        return 200, failed(got.errno or Errno.BAD_CREDENTIALS)
    return _ok({"token": got.token})


async def _logout(hub: Hub, request: WebRequest, p: Params) -> Reply:
    await pbx_api.settle(hub, p["token"])
    try:
        return 200, await pbx_api.logout(hub, p["token"])
    except pbx_api.NotRecorded as e:
        return _unrecorded(e)


async def _event(hub: Hub, request: WebRequest, p: Params) -> Reply:
    cid, pbx = p["client_id"], p["pbx_id"]
    secret = request.headers.get(SECRET_HEADER, "")
    body = await request.read()
    if hub.pbxes.get(f"{cid}/{pbx}") is None:
        await pbx_api.settle(hub, cid)
    try:
        status = await pbx_api.take_event(hub, cid, pbx, secret, body)
    except pbx_api.NotRecorded as e:
        return _unrecorded(e)
    return status, orjson.dumps({"status": status})


ROUTES = (
    Route("get", api.PBX, "client_id", _pbx),
    Route("get", api.PBX_UPSTREAM, "client_id", _upstream),
    Route("get", api.PBX_LOCK, "address", _lock),
    Route("get", api.PBX_USER, "username", _user),
    Route("post", api.PBX_USER, "username", _verify),
    Route("post", api.PBX_OPEN, "client_id", _open),
    Route("post", api.PBX_LOGOUT, "token", _logout),
    Route("post", api.PBX_EVENT, "client_id", _event),
)


def register_pbx_views(hub: Hub) -> None:
    """Mount the PBX views: one page per path, with the methods `ROUTES` give it."""
    paths: dict[str, list[Route]] = {}
    for r in ROUTES:
        paths.setdefault(r.path, []).append(r)
    for path, routes in paths.items():
        methods = {r.method: _method(hub, r) for r in routes}
        hub.app.page(path)(type("PbxPage", (View,), methods))


def _method(hub: Hub, r: Route) -> Method:
    """A View method serving `r` on the owner of its key, forwarding otherwise."""

    async def method(view: View, request: WebRequest, **params: str) -> Response:
        async def serve() -> Response:
            status, body = await r.handler(hub, request, params)
            return view.bytes(body, content_type=JSON, status=status)

        return await route(hub, view, request, params[r.key], serve)

    return method
