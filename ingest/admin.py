"""The admin API under `/admin`: customers and profiles, written through Kafka."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ingest import strict
from ingest.body import read_bounded
from ingest.errors import BodyTooLarge, BrokerUnavailable, ResponderUnavailable, UnknownClient
from ingest.grants import grant_of
from ingest.services import Services
from schemas.access import AccessSet
from schemas.admin_tokens import AdminTokenSet
from schemas.alert_channels import ChannelSet
from schemas.enums import ProfileType
from schemas.profiles import (
    CustomerConfig,
    CustomerView,
    InboundConfig,
    InboundProfileBody,
    OutboundConfig,
    OutboundProfileBody,
)
from schemas.relay import InboundProfileBase
from schemas.topics import (
    CustomerUpserted,
    MaintenanceSet,
    ProfileDeleted,
    ProfileUpserted,
    config_key,
    partition_for,
)

log = logging.getLogger(__name__)
Handler = Callable[[Request, Services], Awaitable[Response]]
TYPES = {"inbound": ProfileType.Inbound, "outbound": ProfileType.Outbound}


class AdminProblem(Exception):
    """A request the admin API refuses, with its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def problem(status: int, message: str) -> Response:
    """A JSON error answer."""
    headers = {"Retry-After": "1"} if status == 503 else None
    return Response(orjson.dumps({"error": message}), status, headers, "application/json")


def view_response(applied: bool, view: CustomerView) -> Response:
    """The customer view; 202 when the write is durable but not yet visible."""
    return Response(
        view.model_dump_json().encode(), 200 if applied else 202, None, "application/json"
    )


def endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler with authentication, the token's scope and the mapping of errors."""

    async def run(request: Request) -> Response:
        services: Services = request.app.state.services
        try:
            grant = await grant_of(request, services)
            if grant is None:
                return problem(401, "missing or wrong bearer token")
            if not grant.allows(request):
                return problem(403, "outside this token's scope")
            return await handler(request, services)
        except AdminProblem as e:
            return problem(e.status, e.message)
        except UnknownClient:
            return problem(404, f"unknown customer '{request.path_params['clientId']}'")
        except (BrokerUnavailable, ResponderUnavailable) as e:
            return problem(503, f"not recorded, retry shortly: {e}")

    return run


async def body_of(request: Request, services: Services) -> bytes:
    """The request body; AdminProblem 413 past the size bound."""
    try:
        return await read_bounded(request, services.settings.max_body_bytes)
    except BodyTooLarge as e:
        raise AdminProblem(413, str(e)) from e


def validate(model: type[BaseModel], body: bytes) -> Any:
    """The JSON body validated by `model`; AdminProblem 400 naming unknown fields or the fault."""
    try:
        return strict.from_json(model, body)
    except ValidationError as e:
        raise AdminProblem(400, f"invalid body: {strict.reason(e)}") from e


async def parse(request: Request, services: Services, model: type[BaseModel]) -> Any:
    """The JSON body validated by `model`; AdminProblem 400/413 naming the field at fault."""
    return validate(model, await body_of(request, services))


async def publish(
    services: Services,
    event: CustomerUpserted
    | ProfileUpserted
    | ProfileDeleted
    | MaintenanceSet
    | AccessSet
    | ChannelSet
    | AdminTokenSet,
) -> int:
    """Publish a config event on the client's partition; returns its offset."""
    ack = await services.publisher.publish(
        services.topics.config,
        config_key(event),
        event.model_dump_json().encode(),
        partition=partition_for(event.client_id, services.settings.partitions),
    )
    return ack.offset


async def shown(services: Services, client_id: str) -> bool:
    """Wait (bounded) until this ingress's relay answers show what the worker has folded.

    Called after a write's read-back (the worker folded it, and so published the
    client's answer state): the client's next heartbeat answered here shows the write.
    Returns whether they do.
    """
    wait_s = services.settings.apply_wait_s
    if await services.answers.caught_up(client_id, wait_s):
        return True
    # Answered all the same (the write is durable); its heartbeats follow shortly.
    log.warning(
        "answers here do not show the write to %s yet after %.1f s",
        client_id,
        wait_s,
        extra={"client_id": client_id},
    )
    return False


async def written(services: Services, client_id: str) -> Response:
    """The customer view after a write, once the answers at this ingress show it too."""
    applied, view = await services.responder.customer(client_id)
    await shown(services, client_id)
    return view_response(applied, view)


async def put_customer(request: Request, services: Services) -> Response:
    """Create or replace a customer."""
    client_id = request.path_params["clientId"]
    customer = await parse(request, services, CustomerConfig)
    await publish(
        services, CustomerUpserted(client_id=client_id, customer=customer, at=services.clock.now())
    )
    return await written(services, client_id)


async def get_customer(request: Request, services: Services) -> Response:
    """The customer, its profiles and their last reported state."""
    return view_response(*await services.responder.customer(request.path_params["clientId"]))


def profile_address(request: Request) -> tuple[str, ProfileType, int]:
    ptype = TYPES.get(request.path_params["ptype"])
    if ptype is None:
        raise AdminProblem(404, "profile type must be 'inbound' or 'outbound'")
    pid: int = request.path_params["profileId"]
    if not 0 < pid < 2**31:
        raise AdminProblem(400, "profileId must be a positive 32-bit integer")
    return request.path_params["clientId"], ptype, pid


async def put_profile(request: Request, services: Services) -> Response:
    """Create or replace one profile of an existing customer."""
    client_id, ptype, pid = profile_address(request)
    model = InboundProfileBody if ptype is ProfileType.Inbound else OutboundProfileBody
    config, timing = validate(model, await body_of(request, services)).split()
    _, current = await services.responder.customer(client_id)
    wire = addressed(config, pid, current.customer.RelayCustomerID)
    cfg: InboundConfig | OutboundConfig = (
        InboundConfig(wire=wire, timing=timing)
        if ptype is ProfileType.Inbound
        else OutboundConfig(wire=wire, timing=timing)
    )
    event = ProfileUpserted(client_id=client_id, profile=cfg, at=services.clock.now())
    await publish(services, event)
    return await written(services, client_id)


def addressed(wire: Any, pid: int, customer_id: int) -> Any:
    """The profile body with the ids of its URL (or import line) and its customer."""
    id_field = (
        "RelayInboundProfileID"
        if isinstance(wire, InboundProfileBase)
        else "RelayOutboundProfileID"
    )
    if getattr(wire, id_field) not in (0, pid):
        raise AdminProblem(400, f"invalid body: field '{id_field}': does not match the URL's {pid}")
    # The desired state has its own endpoint and lifecycle; the profile body cannot set it.
    update: dict[str, int] = {id_field: pid, "ClientActionRequest": 0}
    if wire.RelayCustomerID == 0:
        update["RelayCustomerID"] = customer_id
    return wire.model_copy(update=update)


async def delete_profile(request: Request, services: Services) -> Response:
    """Delete one profile; clients stop seeing it in their answers."""
    client_id, ptype, pid = profile_address(request)
    _, current = await services.responder.customer(client_id)
    table = current.profiles.inbound if ptype is ProfileType.Inbound else current.profiles.outbound
    if pid not in table:
        raise AdminProblem(404, f"customer '{client_id}' has no {ptype.name.lower()} profile {pid}")
    event = ProfileDeleted(
        client_id=client_id, profile_type=ptype, profile_id=pid, at=services.clock.now()
    )
    await publish(services, event)
    return await written(services, client_id)
