"""Admin API for operator orders: desired states and one-shot commands of a profile.

`PUT  .../profiles/{type}/{id}/desired-state`   `{"ClientActionRequest": 0|1|2}`
`POST .../profiles/{type}/{id}/commands`        201 `{"id": ...}`
`GET  .../profiles/{type}/{id}/commands[?state=...]`, `GET|DELETE .../commands/{commandId}`
"""

import logging
import uuid

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import AdminProblem, parse, profile_address, shown
from ingest.errors import ResponderUnavailable
from ingest.services import Services
from schemas.commands import (
    CommandCancelled,
    CommandQueued,
    CommandRecord,
    CommandRequest,
    CustomerCommands,
    DesiredStateRequest,
    DesiredStateSet,
    profile_key,
)
from schemas.enums import ProfileType
from schemas.events import FINAL_COMMAND_STATES, CommandState
from schemas.topics import partition_for

JSON = "application/json"
Order = DesiredStateSet | CommandQueued | CommandCancelled

log = logging.getLogger(__name__)


async def publish(services: Services, order: Order) -> None:
    """Publish an order on the client's partition of the commands topic."""
    await services.publisher.publish(
        services.topics.commands,
        order.client_id.encode(),
        order.model_dump_json().encode(),
        partition=partition_for(order.client_id, services.settings.partitions),
    )


async def existing_profile(request: Request, services: Services) -> tuple[str, ProfileType, int]:
    """The addressed profile; AdminProblem 404 if it is not configured (or was deleted)."""
    client_id, ptype, pid = profile_address(request)
    _, view = await services.responder.customer(client_id)
    table = view.profiles.inbound if ptype is ProfileType.Inbound else view.profiles.outbound
    if pid not in table:
        raise AdminProblem(404, f"customer '{client_id}' has no {ptype.name.lower()} profile {pid}")
    return client_id, ptype, pid


async def put_desired_state(request: Request, services: Services) -> Response:
    """Set (1 start, 2 stop) or clear (0) the profile's desired state."""
    body: DesiredStateRequest = await parse(request, services, DesiredStateRequest)
    client_id, ptype, pid = await existing_profile(request, services)
    at = services.clock.now()
    order = DesiredStateSet(
        client_id=client_id,
        profile_type=ptype,
        profile_id=pid,
        at=at,
        action=body.ClientActionRequest,
    )
    await publish(services, order)
    applied, cc = await services.responder.commands(client_id)
    await shown(services, client_id)
    desired = cc.desired.get(profile_key(ptype, pid))
    payload = desired.model_dump(mode="json") if desired else {"action": 0}
    return Response(orjson.dumps(payload), 200 if applied else 202, None, JSON)


async def post_command(request: Request, services: Services) -> Response:
    """Queue a one-shot command; 201 with its id."""
    body: CommandRequest = await parse(request, services, CommandRequest)
    client_id, ptype, pid = await existing_profile(request, services)
    order = CommandQueued(
        client_id=client_id,
        profile_type=ptype,
        profile_id=pid,
        at=services.clock.now(),
        command_id=uuid.uuid4().hex,
        command=body.command,
        ttl_s=body.ttl_s,
        max_deliveries=body.max_deliveries,
    )
    await publish(services, order)
    # Read-your-writes: once answered, the client's next heartbeat carries the command.
    # The order is durable already, so a responder that cannot say so yet must not turn
    # this into a 503 that a client would retry into a second command.
    try:
        applied, _ = await services.responder.commands(client_id)
    except ResponderUnavailable:
        applied = False
    if not applied:
        log.warning(
            "command %s queued for %s: not folded yet, answered as not visible",
            order.command_id,
            client_id,
            extra={"client_id": client_id},
        )
    # Visible: folded by the worker, and shown in this ingress's answers.
    visible = applied and await shown(services, client_id)
    location = f"{request.url.path}/{order.command_id}"
    created = orjson.dumps({"id": order.command_id, "visible": visible})
    return Response(created, 201, {"Location": location}, JSON)


def _of_profile(cc: CustomerCommands, ptype: ProfileType, pid: int) -> list[CommandRecord]:
    found = [c for c in cc.commands.values() if (c.profile_type, c.profile_id) == (ptype, pid)]
    return sorted(found, key=lambda c: (c.created_at, c.id))


async def _command(request: Request, services: Services) -> tuple[bool, CommandRecord]:
    client_id, ptype, pid = profile_address(request)
    applied, cc = await services.responder.commands(client_id)
    rec = cc.commands.get(request.path_params["commandId"])
    if rec is None or (rec.profile_type, rec.profile_id) != (ptype, pid):
        raise AdminProblem(404, "no such command for this profile (finished ones are kept a while)")
    return applied, rec


async def get_command(request: Request, services: Services) -> Response:
    """One command with its state, deliveries and the time of every change."""
    applied, rec = await _command(request, services)
    return Response(rec.model_dump_json().encode(), 200 if applied else 202, None, JSON)


async def list_commands(request: Request, services: Services) -> Response:
    """The profile's commands, oldest first, optionally only those in `?state=`."""
    client_id, ptype, pid = profile_address(request)
    wanted = request.query_params.get("state")
    if wanted is not None and wanted not in CommandState.__members__:
        raise AdminProblem(400, f"state must be one of {', '.join(CommandState.__members__)}")
    applied, cc = await services.responder.commands(client_id)
    found = [c for c in _of_profile(cc, ptype, pid) if wanted is None or c.state == wanted]
    body = orjson.dumps([c.model_dump(mode="json") for c in found])
    return Response(body, 200 if applied else 202, None, JSON)


async def delete_command(request: Request, services: Services) -> Response:
    """Cancel a command before it is acknowledged; 409 once it has finished."""
    _, rec = await _command(request, services)
    if rec.state in FINAL_COMMAND_STATES:
        raise AdminProblem(409, f"command already {rec.state}")
    client_id = request.path_params["clientId"]
    order = CommandCancelled(
        client_id=client_id,
        profile_type=rec.profile_type,
        profile_id=rec.profile_id,
        at=services.clock.now(),
        command_id=rec.id,
    )
    await publish(services, order)
    _, after = await _command(request, services)
    await shown(services, client_id)
    if after.state is not CommandState.cancelled:
        raise AdminProblem(409, f"command {after.state} before it could be cancelled")
    return Response(after.model_dump_json().encode(), 200, None, JSON)
