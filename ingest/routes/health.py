"""A customer's health and its profiles' maintenance windows, as routed and documented."""

from ingest import health_admin as health
from ingest.operation import Operation, request, response
from ingest.routes.admin_parts import admin_operation, viewed
from ingest.routes.customers import CUSTOMER_VIEW
from ingest.routes.params import CUSTOMER, PROFILE
from ingest.routes.parts import json_body
from schemas.health import HealthView, MaintenanceRequest

TAG = "admin: health"
MAINTENANCE = PROFILE.child("/maintenance")

OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "GET", CUSTOMER.child("/health"), health.get_health, "getHealth",
        "The health of the customer's profiles and PBXes; `customer` is the worst",
        tag=TAG, ok=viewed(response(HealthView), "The health view."), errors=(404,),
    ),
    admin_operation(
        "PUT", MAINTENANCE, health.put_maintenance, "putMaintenance",
        "Replace the profile's maintenance windows (`[]` clears them)",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(400, 404, 413),
        body=json_body(request(MaintenanceRequest), "The windows; the profile is paused in them."),
    ),
    admin_operation(
        "DELETE", MAINTENANCE, health.delete_maintenance, "deleteMaintenance",
        "Remove the profile's maintenance windows",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(400, 404),
    ),
)  # fmt: skip
