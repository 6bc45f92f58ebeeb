"""`POST /api/pbx/{clientId}/{pbxId}/events/{secret}`: a PBX's event reports come in here.

Checked here (a JSON object with an `event` or `action` name, at most 64 KiB: else 400,
not published). When this ingress's replica of the event gates knows the PBX and the
secret is its own (`ingest.event_gates`), the report is published here (acks=all) and
answered 200 once Kafka has it: no worker is asked, so a burst of events costs the
ingress and the broker, and the workers only fold and deliver. Otherwise it is handed to
the PBX's owner, which checks the secret with its tables (404) and answers 200 once
Kafka has the report.
"""

import re

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest import pbx_records
from ingest.body import read_bounded
from ingest.errors import BodyTooLarge, BrokerUnavailable, ResponderUnavailable
from ingest.metrics import PBX_EVENTS
from ingest.services import Services
from schemas import internal_api as api
from schemas.pbx_events import MAX_EVENT_BYTES, NotAnEvent, classify
from schemas.pbx_topics import EventReceived

SECRET_RE = re.compile(r"[0-9a-f]{40}")
SECRET_HEADER = "X-Hub-Event-Secret"  # noqa: S105 - a header name


def _error(status: int, message: str) -> Response:
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(orjson.dumps({"error": message}), status, headers, "application/json")


async def _publish(services: Services, cid: str, pbx: str, body: bytes) -> int:
    """Publish the report as the PBX's worker would (`EventReceived`); 200 once durable."""
    record = EventReceived.of(cid, pbx, body, services.clock.now())
    await pbx_records.publish(services, record)
    return 200


async def _ask_owner(services: Services, cid: str, pbx: str, secret: str, body: bytes) -> int:
    """Hand the report to the PBX's worker; its status (404: not this PBX's secret)."""
    path = api.path(api.PBX_EVENT, client_id=cid, pbx_id=pbx)
    status, _ = await services.responder.call(
        "POST", cid, path, body, headers={SECRET_HEADER: secret}
    )
    return status


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
    if not services.gate.enter():
        return _error(503, "not recorded: the hub is at capacity, retry shortly")
    try:
        if services.event_gates.takes(cid, pbx, secret):
            status = await _publish(services, cid, pbx, body)
        else:
            status = await _ask_owner(services, cid, pbx, secret, body)
    except (ResponderUnavailable, BrokerUnavailable) as e:
        return _error(503, f"not recorded, retry shortly: {e}")
    finally:
        services.gate.leave()
    if status == 404:
        return _error(404, "unknown event URL")
    if status != 200:
        return _error(503, f"not recorded, retry shortly (worker answered {status})")
    PBX_EVENTS.inc()
    return Response(b'{"status":"Success"}', 200, None, "application/json")
