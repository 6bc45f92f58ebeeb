"""`PUT /api/customer/{clientId}/heartbeat`: the relay heartbeat API."""

import logging

from starlette.requests import Request
from starlette.responses import Response

from ingest.body import read_bounded
from ingest.errors import (
    BodyTooLarge,
    BrokerUnavailable,
    ResponderUnavailable,
    UnknownClient,
    UnsupportedMediaType,
)
from ingest.negotiation import Format, Negotiated, error_format, negotiate
from ingest.services import Services
from schemas import codec_json, codec_xml
from schemas.enums import ResponseStatus
from schemas.errors import DecodeError
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData
from schemas.responder import AnswerRequest
from schemas.topics import HeartbeatMessage

log = logging.getLogger(__name__)
MAX_CLIENT_ID = 128


def encode(fmt: Format, answer: ProfileListResponseData) -> bytes:
    """The answer in the negotiated wire format."""
    return (
        codec_json.encode_response(answer)
        if fmt is Format.JSON
        else codec_xml.encode_response(answer)
    )


def decode(fmt: Format, body: bytes, max_bytes: int) -> list[ProfileHeartbeatData]:
    """The heartbeat entries of a request body; raises DecodeError."""
    if fmt is Format.JSON:
        return codec_json.decode_heartbeats(body, max_bytes)
    return codec_xml.decode_heartbeats(body, max_bytes)


def failure(neg: Negotiated, status: int, message: str) -> Response:
    """An error answer in the client's own format: a Failure ProfileListResponseData."""
    answer = ProfileListResponseData(
        InboundProfileList=None,
        OutboundProfileList=None,
        ResponseStatus=ResponseStatus.Failure,
        LogMessage=message,
    )
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(encode(neg.response, answer), status, headers, neg.content_type)


async def heartbeat(request: Request) -> Response:
    """Accept a heartbeat, answer from the tables once Kafka has acknowledged it."""
    services: Services = request.app.state.services
    received_at = services.clock.now()
    client_id: str = request.path_params["clientId"]
    try:
        neg = negotiate(request.headers.get("content-type"), request.headers.get("accept"))
    except UnsupportedMediaType as e:
        fmt = error_format(request.headers.get("accept"), None)
        return failure(fmt, 415, str(e))
    try:
        body = await read_bounded(request, services.settings.max_body_bytes)
        items = decode(neg.request, body, services.settings.max_body_bytes)
    except BodyTooLarge as e:
        return failure(neg, 413, f"Request body too large: {e}.")
    except DecodeError as e:
        return failure(neg, 400, f"Invalid heartbeat body: {e}.")
    return await _answer(
        services, neg, client_id, AnswerRequest(received_at=received_at, profiles=items)
    )


async def _answer(
    services: Services, neg: Negotiated, client_id: str, req: AnswerRequest
) -> Response:
    if len(client_id) > MAX_CLIENT_ID:
        return failure(neg, 404, _unknown(client_id[:MAX_CLIENT_ID] + "..."))
    try:
        reply = await services.responder.answer(client_id, req)
        msg = HeartbeatMessage(
            client_id=client_id,
            received_at=req.received_at,
            profiles=req.profiles,
            delivered_commands=reply.delivered_commands,
        )
        await services.publisher.publish(
            services.topics.heartbeats, client_id.encode(), msg.model_dump_json().encode()
        )
    except UnknownClient:
        return failure(neg, 404, _unknown(client_id))
    except (ResponderUnavailable, BrokerUnavailable) as e:
        log.warning("heartbeat of %s not accepted: %s", client_id, e)
        return failure(neg, 503, f"Heartbeat not recorded, retry shortly: {e}")
    return Response(encode(neg.response, reply.answer), 200, None, neg.content_type)


def _unknown(client_id: str) -> str:
    return f"Unknown clientId '{client_id}': no customer is configured with this id."
