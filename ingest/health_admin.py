"""Admin API for health: a customer's health, and profiles' maintenance windows.

`GET /admin/customers/{clientId}/health`
`PUT|DELETE /admin/customers/{clientId}/profiles/{type}/{id}/maintenance`
"""

from starlette.requests import Request
from starlette.responses import Response

from ingest.admin import parse, publish, view_response
from ingest.orders_admin import existing_profile
from ingest.services import Services
from schemas.health import MaintenanceRequest, Window
from schemas.topics import MaintenanceSet

JSON = "application/json"


async def get_health(request: Request, services: Services) -> Response:
    """The worst health of the customer's profiles, and each profile's health."""
    applied, body = await services.responder.health(request.path_params["clientId"])
    return Response(body, 200 if applied else 202, None, JSON)


async def _set_windows(request: Request, services: Services, windows: list[Window]) -> Response:
    client_id, ptype, pid = await existing_profile(request, services)
    event = MaintenanceSet(
        client_id=client_id,
        profile_type=ptype,
        profile_id=pid,
        windows=windows,
        at=services.clock.now(),
    )
    await publish(services, event)
    return view_response(*await services.responder.customer(client_id))


async def put_maintenance(request: Request, services: Services) -> Response:
    """Replace the profile's maintenance windows; it is `paused` inside them."""
    body: MaintenanceRequest = await parse(request, services, MaintenanceRequest)
    return await _set_windows(request, services, body.windows)


async def delete_maintenance(request: Request, services: Services) -> Response:
    """Remove every maintenance window of the profile."""
    return await _set_windows(request, services, [])
