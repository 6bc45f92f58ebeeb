"""`POST /api/pbx/{clientId}/{pbxId}/events/{secret}`: a PBX's event reports come in here.

Checked here (a JSON object with an `event` or `action` name, at most 64 KiB: else 400,
not published), then handed to the PBX's owner, which checks the secret (404) and
answers 200 once Kafka has the report.
"""

import re
from urllib.parse import quote

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest.body import read_bounded
from ingest.errors import BodyTooLarge, ResponderUnavailable
from ingest.metrics import PBX_EVENTS
from ingest.services import Services
from schemas.pbx_events import MAX_EVENT_BYTES, NotAnEvent, classify

SECRET_RE = re.compile(r"[0-9a-f]{40}")
SECRET_HEADER = "X-Hub-Event-Secret"  # noqa: S105 - a header name


def _error(status: int, message: str) -> Response:
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(orjson.dumps({"error": message}), status, headers, "application/json")


async def post_event(request: Request) -> Response:
    """Take one event report."""
    services: Services = request.app.state.services
    cid, pbx = request.path_params["clientId"], request.path_params["pbxId"]
    secret = request.path_params["secret"]
    if not SECRET_RE.fullmatch(secret):
        return _error(404, "unknown event URL")  # not a secret the hub makes
    try:
        body = await read_bounded(request, MAX_EVENT_BYTES)
    except BodyTooLarge as e:
        return _error(413, str(e))
    try:
        classify(body)
    except NotAnEvent as e:
        return _error(400, f"not an event report: {e}")
    path = f"/hub/pbx-event/{quote(cid, safe='')}/{quote(pbx, safe='')}"
    if not services.gate.enter():
        return _error(503, "not recorded: the hub is at capacity, retry shortly")
    try:
        status, _ = await services.responder.call(
            "POST", cid, path, body, headers={SECRET_HEADER: secret}
        )
    except ResponderUnavailable as e:
        return _error(503, f"not recorded, retry shortly: {e}")
    finally:
        services.gate.leave()
    if status == 404:
        return _error(404, "unknown event URL")
    if status != 200:
        return _error(503, f"not recorded, retry shortly (worker answered {status})")
    PBX_EVENTS.inc()
    return Response(b'{"status":"Success"}', 200, None, "application/json")
