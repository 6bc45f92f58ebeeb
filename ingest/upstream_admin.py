"""`/admin/customers/{clientId}/pbxes/{pbxId}/upstream`: connect the hub to a customer's PBX.

The password is sealed here (`schemas.sealed`, under `HUB_SECRET_KEY`) before it is
published: Kafka, the changelogs and the answers never hold it in clear.
"""

from starlette.requests import Request
from starlette.responses import Response

from ingest import pbx_records
from ingest.admin import AdminProblem, parse
from ingest.pbx_admin import pbx_address, require_pbx
from ingest.services import Services
from schemas import internal_api as api
from schemas.pbx_upstream import (
    UpstreamBody,
    UpstreamConfig,
    UpstreamRemoved,
    UpstreamSet,
)


def _key(services: Services) -> bytes:
    try:
        return services.settings.key()
    except ValueError as e:
        raise AdminProblem(503, f"cannot keep the password sealed: {e}") from e


async def fetch(services: Services, cid: str, pbx: str) -> bytes | None:
    """The connection's view as JSON, once every acknowledged write is applied."""
    path = api.path(api.PBX_UPSTREAM, client_id=cid, pbx_id=pbx)
    return await services.responder.found(cid, path)


async def put_upstream(request: Request, services: Services) -> Response:
    """Connect (or reconnect with new settings): the owning worker logs in at once."""
    cid, pbx = pbx_address(request)
    body: UpstreamBody = await parse(request, services, UpstreamBody)
    await require_pbx(services, cid, pbx)
    config = UpstreamConfig.from_body(_key(services), body)
    record = UpstreamSet(client_id=cid, pbx_id=pbx, config=config, at=services.clock.now())
    await pbx_records.publish(services, record)
    return _answer(await fetch(services, cid, pbx))


async def get_upstream(request: Request, services: Services) -> Response:
    """The connection and its state."""
    cid, pbx = pbx_address(request)
    return _answer(await fetch(services, cid, pbx))


async def delete_upstream(request: Request, services: Services) -> Response:
    """Disconnect: the worker logs out of the PBX, then forgets the connection."""
    cid, pbx = pbx_address(request)
    if await fetch(services, cid, pbx) is None:
        raise AdminProblem(404, f"PBX '{pbx}' has no upstream connection")
    await pbx_records.publish(
        services, UpstreamRemoved(client_id=cid, pbx_id=pbx, at=services.clock.now())
    )
    return Response(status_code=204)


def _answer(body: bytes | None) -> Response:
    if body is None:
        raise AdminProblem(404, "no upstream connection")
    return Response(body, 200, None, "application/json")
