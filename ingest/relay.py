"""`PUT /api/customer/{clientId}/heartbeat`: the relay heartbeat API.

`answer` is the whole route, from the request's parts to the response. The fast path
(`ingest.relay_fast`) calls it straight from ASGI; the Starlette route below calls it
too (for the in-process tests and any request the fast path leaves to the router).
"""

import logging
from collections.abc import AsyncIterator

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from ingest.body import read_chunks
from ingest.errors import (
    BodyTooLarge,
    ResponderUnavailable,
    UnknownClient,
    UnsupportedMediaType,
)
from ingest.negotiation import Negotiated, error_format, negotiate
from ingest.relay_caller import caller
from ingest.services import Services
from schemas import wire
from schemas.enums import ResponseStatus
from schemas.relay import ProfileListResponseData
from schemas.responder import formats_header

log = logging.getLogger(__name__)
MAX_CLIENT_ID = 128
ROUTE = "/api/customer/{clientId}/heartbeat"


def failure(neg: Negotiated, status: int, message: str) -> Response:
    """An error answer in the client's own format: a Failure ProfileListResponseData."""
    answer = ProfileListResponseData(
        InboundProfileList=None,
        OutboundProfileList=None,
        ResponseStatus=ResponseStatus.Failure,
        LogMessage=message,
    )
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(wire.encode_response(neg.response, answer), status, headers, neg.content_type)


async def heartbeat(request: Request) -> Response:
    """The Starlette route: the same answer as the fast path gives."""
    peer = request.client.host if request.client else ""
    services: Services = request.app.state.services
    client_id: str = request.path_params["clientId"]
    return await answer(services, client_id, request.headers, request.stream(), peer)


async def answer(
    services: Services, client_id: str, headers: Headers, body: AsyncIterator[bytes], peer: str
) -> Response:
    """Accept a heartbeat, answer from the tables once Kafka has acknowledged it."""
    try:
        neg = negotiate(headers.get("content-type"), headers.get("accept"))
    except UnsupportedMediaType as e:
        fmt = error_format(headers.get("accept"), None)
        return failure(fmt, 415, str(e))
    try:
        raw = await read_chunks(headers, body, services.settings.max_body_bytes)
    except BodyTooLarge as e:
        return failure(neg, 413, f"Request body too large: {e}.")
    if len(client_id) > MAX_CLIENT_ID:
        return failure(neg, 404, _unknown(client_id[:MAX_CLIENT_ID] + "..."))
    if not services.gate.enter():
        return failure(neg, 503, "Heartbeat not recorded: the hub is at capacity, retry shortly.")
    try:
        who = caller(headers, peer, client_id, services.settings.proxies())
        return await _forward(services, neg, client_id, raw, who)
    finally:
        services.gate.leave()


async def _forward(
    services: Services, neg: Negotiated, client_id: str, raw: bytes, who: tuple[str, str]
) -> Response:
    formats = formats_header(neg.request, neg.response)
    try:
        status, body = await services.responder.heartbeat(client_id, raw, formats, who)
    except UnknownClient:
        return failure(neg, 404, _unknown(client_id))
    except ResponderUnavailable as e:
        log.warning(
            "heartbeat of %s not accepted: %s", client_id, e, extra={"client_id": client_id}
        )
        return failure(neg, 503, f"Heartbeat not recorded, retry shortly: {e}")
    if status in (400, 401, 403):
        response = failure(neg, status, body.decode())
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="heartbeat hub"'
        return response
    return Response(body, 200, None, neg.content_type)


def _unknown(client_id: str) -> str:
    return f"Unknown clientId '{client_id}': no customer is configured with this id."
