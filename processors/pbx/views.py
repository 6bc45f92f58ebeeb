"""The PBX API's internal views on each worker's web server (see ingest.pbx_api).

Each is served by the worker owning the partition of its key (a clientId, a token, a
username or a source address), forwarded there by `processors.runtime.routing` otherwise.
Answers are JSON: `{"errno": ...}` or the call's fields; 404 means "nothing here";
503 means Kafka did not take a write, or the partition is moving.
"""

from typing import Any

import orjson
from faust.web import View

from processors.app import Hub
from processors.pbx import api as pbx_api
from processors.runtime.routing import route
from schemas.pbx_errno import Errno, failed
from schemas.pbx_requests import Callback
from schemas.pbx_upstream import upstream_view

JSON = "application/json"
SECRET_HEADER = "X-Hub-Event-Secret"  # noqa: S105 - a header name


def _json(view: Any, body: bytes, status: int = 200) -> Any:
    return view.bytes(body, content_type=JSON, status=status)


def _unrecorded(view: Any, e: Exception) -> Any:
    return _json(view, orjson.dumps({"error": f"not recorded: {e}"}), 503)


def register_pbx_views(hub: Hub) -> None:
    """Mount the PBX views."""

    @hub.app.page("/hub/pbx/{client_id}/{pbx_id}")
    class PbxPage(View):
        async def get(self, request: Any, client_id: str, pbx_id: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, client_id)
                found = pbx_api.pbx_view(hub, client_id, pbx_id)
                if found is None:
                    return _json(self, b'{"error":"no such PBX"}', 404)
                return _json(self, found.model_dump_json().encode())

            return await route(hub, self, request, client_id, serve)

    @hub.app.page("/hub/pbx-upstream/{client_id}/{pbx_id}")
    class UpstreamPage(View):
        async def get(self, request: Any, client_id: str, pbx_id: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, client_id)
                found = hub.pbx_upstreams.get(f"{client_id}/{pbx_id}")
                view = upstream_view(found) if found is not None else None
                if view is None:
                    return _json(self, b'{"error":"no upstream connection"}', 404)
                return _json(self, view.model_dump_json().encode())

            return await route(hub, self, request, client_id, serve)

    @hub.app.page("/hub/pbx-lock/{address}")
    class LockPage(View):
        async def get(self, request: Any, address: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, address)
                lock = pbx_api.lockout(hub, address)
                body = {"locked": lock is not None, "failures": pbx_api.failures(hub, address)}
                return _json(self, orjson.dumps(body))

            return await route(hub, self, request, address, serve)

    @hub.app.page("/hub/pbx-users/{username}")
    class UserPage(View):
        async def get(self, request: Any, username: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, username)
                user = hub.pbx_users.get(username)
                if user is None:
                    return _json(self, b'{"error":"no such user"}', 404)
                return _json(self, orjson.dumps({"clientId": user.client_id, "pbxId": user.pbx_id}))

            return await route(hub, self, request, username, serve)

        async def post(self, request: Any, username: str) -> Any:
            async def verify() -> Any:
                await pbx_api.settle(hub, username)
                given = orjson.loads(await request.read()).get("password", "")
                user = await pbx_api.verify(hub, username, str(given))
                if user is None:
                    return _json(self, b'{"ok":false}')
                body = {"ok": True, "clientId": user.client_id, "pbxId": user.pbx_id}
                return _json(self, orjson.dumps(body))

            return await route(hub, self, request, username, verify)

    @hub.app.page("/hub/pbx-open/{client_id}")
    class OpenPage(View):
        async def post(self, request: Any, client_id: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, client_id)
                doc = orjson.loads(await request.read())
                cb = Callback.model_validate(doc["callback"])
                try:
                    got = await pbx_api.open_session(hub, client_id, doc["pbxId"], doc["user"], cb)
                except pbx_api.NotRecorded as e:
                    return _unrecorded(self, e)
                if got.token is None:
                    return _json(self, failed(got.errno or Errno.BAD_CREDENTIALS))
                return _json(self, orjson.dumps({"token": got.token}))

            return await route(hub, self, request, client_id, serve)

    @hub.app.page("/hub/pbx-token/{token}/logout")
    class LogoutPage(View):
        async def post(self, request: Any, token: str) -> Any:
            async def serve() -> Any:
                await pbx_api.settle(hub, token)
                try:
                    return _json(self, await pbx_api.logout(hub, token))
                except pbx_api.NotRecorded as e:
                    return _unrecorded(self, e)

            return await route(hub, self, request, token, serve)

    @hub.app.page("/hub/pbx-event/{client_id}/{pbx_id}")
    class EventPage(View):
        async def post(self, request: Any, client_id: str, pbx_id: str) -> Any:
            async def serve() -> Any:
                secret = request.headers.get(SECRET_HEADER, "")
                body = await request.read()
                if hub.pbxes.get(f"{client_id}/{pbx_id}") is None:
                    await pbx_api.settle(hub, client_id)
                try:
                    status = await pbx_api.take_event(hub, client_id, pbx_id, secret, body)
                except pbx_api.NotRecorded as e:
                    return _unrecorded(self, e)
                return _json(self, orjson.dumps({"status": status}), status)

            return await route(hub, self, request, client_id, serve)
