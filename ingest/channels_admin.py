"""`/admin/customers/{clientId}/channels[/{name}]`: where a customer's alerts go.

The body is checked (per kind, `schemas.alert_channels.ChannelRequest`), the Url against
the denied networks (`HUB_PBX_DENY_NETWORKS`, the PBX callbacks' list), and the secret
sealed under `HUB_SECRET_KEY` before it is published: Kafka, the changelog and every
answer hold it only sealed, and answers show `HasSecret` instead. A PUT answers once
the owning worker has applied it (202 if durable but not yet visible), as the other
admin writes do.
"""

import orjson
from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import AdminProblem, parse, publish
from ingest.services import Services
from schemas import internal_api as api
from schemas.alert_channels import ChannelRequest, ChannelSet, StoredChannel, channel_denied
from schemas.errors import DecodeError

JSON = "application/json"


def _key(services: Services) -> bytes:
    try:
        return services.settings.key()
    except ValueError as e:
        raise AdminProblem(503, f"cannot keep the channel's secret sealed: {e}") from e


async def _listed(services: Services, cid: str) -> tuple[bool, list[dict[str, object]]]:
    """Whether the view is caught up, and every channel's admin view (404 if no customer)."""
    applied, body = await services.responder.channels(cid)
    listed: list[dict[str, object]] = orjson.loads(body)
    return applied, listed


async def _one(services: Services, cid: str, name: str) -> Response:
    applied, listed = await _listed(services, cid)
    for channel in listed:
        if channel["Name"] == name:
            return Response(orjson.dumps(channel), 200 if applied else 202, None, JSON)
    raise AdminProblem(404, f"customer '{cid}' has no channel '{name}'")


async def list_channels(request: Request, services: Services) -> Response:
    """Every channel of the customer, by name."""
    applied, listed = await _listed(services, request.path_params["clientId"])
    return Response(orjson.dumps(listed), 200 if applied else 202, None, JSON)


async def get_channel(request: Request, services: Services) -> Response:
    """One channel, never its secret."""
    return await _one(services, request.path_params["clientId"], request.path_params["name"])


async def put_channel(request: Request, services: Services) -> Response:
    """Create or replace a channel; its secret is sealed before it leaves this process."""
    cid, name = request.path_params["clientId"], request.path_params["name"]
    body: ChannelRequest = await parse(request, services, ChannelRequest)
    if channel_denied(body.Url, services.settings.denied()):
        raise AdminProblem(400, "field 'Url': the address is in a denied network")
    try:
        stored = StoredChannel.from_request(_key(services), name, body)
    except DecodeError as e:
        raise AdminProblem(400, str(e)) from e
    await services.responder.customer(cid)  # UnknownClient: 404
    await publish(
        services, ChannelSet(client_id=cid, name=name, channel=stored, at=services.clock.now())
    )
    return await _one(services, cid, name)


async def test_channel(request: Request, services: Services) -> Response:
    """Queue a test message on the channel; its attempt is recorded as any alert's."""
    cid, name = request.path_params["clientId"], request.path_params["name"]
    path = api.path(api.CHANNEL_TEST, client_id=cid, name=name)
    status, body = await services.responder.call("POST", cid, path)
    if status == 404:
        raise AdminProblem(404, f"customer '{cid}' has no channel '{name}'")
    if status != 202:
        raise AdminProblem(503, f"the worker answered {status}; nothing was queued")
    return Response(body, 202, None, JSON)


async def delete_channel(request: Request, services: Services) -> Response:
    """Remove a channel: no alert goes to it from now on."""
    cid, name = request.path_params["clientId"], request.path_params["name"]
    await _one(services, cid, name)  # 404 when there is none
    await publish(
        services, ChannelSet(client_id=cid, name=name, channel=None, at=services.clock.now())
    )
    return Response(status_code=204)
