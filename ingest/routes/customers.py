"""Customers, their profiles and the bulk import, as routed and documented."""

from ingest import admin, bulk_import, customer_deletion
from ingest.bulk_import import ImportLine
from ingest.operation import Operation, Path, Schema, request, response
from ingest.routes.admin_parts import admin_operation, viewed
from ingest.routes.params import CUSTOMER, PROFILE
from ingest.routes.parts import answer, content, json_body, obj, schema
from schemas.customer_deletion import CustomerDeletion
from schemas.health import Timing
from schemas.profiles import CustomerConfig, CustomerView
from schemas.relay import InboundProfileBase, OutboundProfileBase

TAG = "admin: customers and profiles"
CUSTOMER_VIEW = viewed(response(CustomerView), "The customer view.")
"""What every write of a customer or its profiles answers, and a GET of the customer."""

DELETE_CUSTOMER = (
    "Everything of the customer goes: its profiles, states, health, commands (unfinished"
    " ones recorded as cancelled), relay access, PBXes (their sessions end, their API users"
    " are released, their upstream connections log out) and its place in scoped tokens."
    " Heartbeats of its clients answer 404 from then on. The SQL tables keep its history,"
    " its customer and profile rows marked with `deleted_at`. A later PUT of the same"
    " clientId starts a new customer with nothing left over. A scoped token needs write"
    " access to the customer."
)


def _deleted() -> dict[int, Schema]:
    deleted = content(response(CustomerDeletion))
    return {
        200: answer("Deleted; what was deleted, as the hub held it.", deleted),
        202: answer(
            "Durable, but the customer's worker has not finished after `HUB_APPLY_WAIT_S`"
            " (or could not say); it will. What is being deleted.",
            deleted,
        ),
    }


def _profile_body(kind: str, base: object) -> object:
    return schema(
        f"{kind}ProfileBody",
        {
            "description": f"An {kind.lower()} profile's configuration, with optional timing"
            " overrides.",
            "allOf": [base, request(Timing)],
        },
    )


PROFILE_BODY = json_body(
    {
        "anyOf": [
            _profile_body("Inbound", request(InboundProfileBase)),
            _profile_body("Outbound", request(OutboundProfileBase)),
        ]
    },
    "The profile in the wire's field names, as `ptype` says (state fields and"
    " `ClientActionRequest` are ignored; the id may be left out, else it must be the"
    " URL's), with optional `HeartbeatIntervalSeconds`/`GracePeriodSeconds` overrides.",
)
IMPORT_EXAMPLE = (
    '{"clientId": "acme-1", "customer": {"RelayCustomerID": 1, "Name": "Acme"},'
    ' "inbound": {"7": {"ProfileName": "lab", "ReceivePort": 2575}},'
    ' "outbound": {"2": {"ProfileName": "orders"}}}\n'
)
IMPORT_BODY = {
    "required": True,
    "description": (
        "NDJSON: one `ImportLine` a line, its customer and profile bodies as the PUTs"
        " take them. Every line is validated before anything is written."
    ),
    "content": content({"type": "string"}, "application/x-ndjson", example=IMPORT_EXAMPLE),
}
IMPORT_RESULT = schema(
    "ImportResult",
    obj(
        {"customers": {"type": "integer"}, "profiles": {"type": "integer"}},
        ("customers", "profiles"),
        description="How many customers and profiles the import wrote (all durable).",
    ),
)

OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "PUT", CUSTOMER, admin.put_customer, "putCustomer", "Create or replace a customer",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(400, 413),
        body=json_body(request(CustomerConfig), "The customer."),
    ),
    admin_operation(
        "GET", CUSTOMER, admin.get_customer, "getCustomer",
        "The customer, its profiles and their last reported state",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(404,),
    ),
    admin_operation(
        "DELETE", CUSTOMER, customer_deletion.delete_customer, "deleteCustomer",
        "Delete a customer with everything it has",
        tag=TAG, ok=_deleted(), errors=(404,), description=DELETE_CUSTOMER,
    ),
    admin_operation(
        "PUT", PROFILE, admin.put_profile, "putProfile",
        "Create or replace a profile of an existing customer",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(400, 404, 413), body=PROFILE_BODY,
    ),
    admin_operation(
        "DELETE", PROFILE, admin.delete_profile, "deleteProfile",
        "Delete a profile; clients stop seeing it",
        tag=TAG, ok=CUSTOMER_VIEW, errors=(400, 404),
    ),
    admin_operation(
        "POST", Path("/admin/import"), bulk_import.post_import, "importCustomers",
        "Many customers and their profiles at once",
        tag=TAG, ok={200: answer("Every record is durable.", content(IMPORT_RESULT))},
        errors=(400, 413), body=IMPORT_BODY,
        description="A bad line is 400 `line N: invalid: ...` and nothing is written. "
        "Past `HUB_MAX_IMPORT_BYTES`, 413. An import answered 503 is sent again whole.",
        mentions=(request(ImportLine),),
    ),
)  # fmt: skip
