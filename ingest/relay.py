"""`PUT /api/customer/{clientId}/heartbeat`: the relay heartbeat API.

`answer` is the whole route, from the request's parts to the response. The fast path
(`ingest.fast_paths`) calls it straight from ASGI; the Starlette route below calls it
too (for the in-process tests and any request the fast path leaves to the router).

No worker is asked: the answer is built from this process's replica of the answers
topic (`ingest.answers`), the heartbeat published (with the ids of the commands the
answer carries) in a batch with others, and the answer sent once Kafka has the batch.
"""

import logging
from collections.abc import AsyncIterator
from datetime import datetime

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response

from ingest.body import read_chunks
from ingest.errors import BodyTooLarge, BrokerUnavailable, UnsupportedMediaType
from ingest.negotiation import Negotiated, error_format, negotiate
from ingest.relay_caller import caller
from ingest.services import Services
from processors.relay import answer as answers
from schemas import access, wire
from schemas.enums import ResponseStatus
from schemas.errors import DecodeError
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData
from schemas.topics import HeartbeatMessage, partition_for
from schemas.wire import Format

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
        return await _accept(services, neg, client_id, raw, who)
    finally:
        services.gate.leave()


REFUSED = {
    401: "A key is required for this customer: HTTP Basic (clientId, key) or X-Hub-Key.",
    403: "Heartbeats of this customer are not accepted from this address.",
}


async def _accept(
    services: Services, neg: Negotiated, client_id: str, raw: bytes, who: tuple[str, str]
) -> Response:
    if not services.answers.ready:
        return failure(neg, 503, "Heartbeat not recorded: the hub is starting, retry shortly.")
    state = services.answers.get(client_id)
    if state is None:
        return failure(neg, 404, _unknown(client_id))
    refused = access.refusal(state.access, *who)
    if refused is not None:
        return _refused(neg, refused)
    try:
        items = wire.decode_heartbeats(neg.request, raw, services.settings.max_body_bytes)
    except DecodeError as e:
        return failure(neg, 400, f"Invalid heartbeat body: {e}.")
    received_at = services.clock.now()
    orders = services.own_orders.current(client_id, state.commands)
    found = answers.for_heartbeat(state, client_id, items, received_at, orders)
    try:
        seq = await services.heartbeats.publish(
            client_id.encode(),
            _message(client_id, items, found, received_at),
            partition_for(client_id, services.settings.partitions),
        )
    except BrokerUnavailable as e:
        log.warning(
            "heartbeat of %s not accepted: %s", client_id, e, extra={"client_id": client_id}
        )
        return failure(neg, 503, f"Heartbeat not recorded, retry shortly: {e}")
    if found.orders_after is not None and found.orders_after is not orders:
        services.own_orders.note(client_id, seq, items, received_at, found.delivered_commands)
    body = found.json() if neg.response is Format.JSON else found.xml()
    return Response(body, 200, None, neg.content_type)


def _message(
    client_id: str, items: list[ProfileHeartbeatData], found: answers.Answer, at: datetime
) -> bytes:
    # Built from parts validated a moment ago: no second validation on the hot path.
    msg = HeartbeatMessage.model_construct(
        client_id=client_id,
        received_at=at,
        profiles=items,
        delivered_commands=found.delivered_commands,
    )
    return msg.model_dump_json().encode()


def _refused(neg: Negotiated, status: int) -> Response:
    response = failure(neg, status, REFUSED[status])
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="heartbeat hub"'
    return response


def _unknown(client_id: str) -> str:
    return f"Unknown clientId '{client_id}': no customer is configured with this id."
