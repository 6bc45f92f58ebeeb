"""`/admin/customers/{clientId}/access`: a customer's relay key and allowed networks.

PUT replaces both (send the key again to keep it); GET says whether a key is set,
never the key; DELETE opens the customer again, as customers are by default. Each
answers once the change is applied (202 if it is durable but not yet visible).
"""

from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import parse, publish, shown
from ingest.services import Services
from schemas.access import AccessBody, AccessSet, CustomerAccess
from schemas.secret_hash import secret_hash


async def put_access(request: Request, services: Services) -> Response:
    """Require a key, networks, or both, from the customer's relay clients."""
    cid = request.path_params["clientId"]
    body: AccessBody = await parse(request, services, AccessBody)
    await services.responder.customer(cid)  # UnknownClient: 404
    stored = CustomerAccess(
        key_hash=secret_hash(body.Key) if body.Key else None, networks=body.AllowedNetworks
    )
    await publish(services, AccessSet(client_id=cid, access=stored, at=services.clock.now()))
    found = await get_access(request, services)
    await shown(services, cid)
    return found


async def get_access(request: Request, services: Services) -> Response:
    """Whether a key is set, and the allowed networks."""
    applied, body = await services.responder.access(request.path_params["clientId"])
    return Response(body, 200 if applied else 202, None, "application/json")


async def delete_access(request: Request, services: Services) -> Response:
    """Accept the customer's heartbeats without a key, from anywhere."""
    cid = request.path_params["clientId"]
    await services.responder.customer(cid)
    empty = AccessSet(client_id=cid, access=CustomerAccess(), at=services.clock.now())
    await publish(services, empty)
    found = await get_access(request, services)
    await shown(services, cid)
    return found
