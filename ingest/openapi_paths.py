"""The OpenAPI paths of the relay API, the admin API of customers and profiles, and the probes."""

from ingest.negotiation import MEDIA_TYPES
from ingest.openapi_parts import (
    NOT_ROUTED,
    admin_operation,
    answer,
    content,
    header,
    json_body,
    operation,
    param,
)
from ingest.openapi_schemas import Schema, ref, request, response
from ingest.routes import relay_examples as examples
from schemas.codec_xml import NS_TRANSFER
from schemas.commands import CommandRecord, CommandRequest, DesiredState, DesiredStateRequest
from schemas.customer_deletion import CustomerDeletion
from schemas.health import HealthView, MaintenanceRequest
from schemas.profiles import CustomerConfig, CustomerView
from schemas.relay import ProfileListResponseData
from schemas.wire import Format

CUSTOMER = "/admin/customers/{clientId}"
PROFILE = CUSTOMER + "/profiles/{ptype}/{profileId}"
ADMIN = "admin: customers and profiles"
ORDERS = "admin: desired states and commands"
NDJSON = "application/x-ndjson"


def _relay_content(json_schema: Schema, xml_schema: Schema, json_ex: object, xml_ex: str) -> Schema:
    out: Schema = {}
    for media, fmt in MEDIA_TYPES.items():
        json = fmt is Format.JSON
        out[media] = {"schema": json_schema if json else xml_schema}
        out[media]["example"] = json_ex if json else xml_ex
    return out


def _relay_failure(description: str, **headers: Schema) -> Schema:
    body = _relay_content(
        ref("RelayFailure"),
        ref("RelayFailureXml"),
        examples.failure(Format.JSON),
        examples.failure(Format.XML),
    )
    return answer(description, body, **headers)


def _relay_request() -> Schema:
    xml = {
        "type": "array",
        "items": ref("ProfileHeartbeatDataXml"),
        "xml": {"name": "ArrayOfProfileHeartbeatData", "namespace": NS_TRANSFER, "wrapped": True},
    }
    json = {"type": "array", "items": ref("ProfileHeartbeatData")}
    return {
        "required": True,
        "description": "Heartbeat data of each profile the client runs.",
        "content": _relay_content(json, xml, examples.HEARTBEAT_REQUEST, examples.request_xml()),
    }


RELAY_DESCRIPTION = (
    "The answer is in the format `Accept` names (quality values honoured), else in the"
    " request's media type; an `Accept` naming only other types falls back too (no 406)."
    " JSON writes enums as numbers; XML is the .NET DataContract form, enums by name, nulls"
    ' as `i:nil="true"`. Nothing but a 200 changes any state.'
)


def _relay_responses() -> Schema:
    ok = _relay_content(
        response(ProfileListResponseData),
        ref("ProfileListResponseDataXml"),
        examples.HEARTBEAT_RESPONSE,
        examples.response_xml(),
    )
    return {
        "200": answer("Accepted and durable in Kafka: every configured profile.", ok),
        "400": _relay_failure("Malformed body; `LogMessage` names the field at fault."),
        "401": _relay_failure(
            "The customer requires a key: HTTP Basic (user the clientId) or `X-Hub-Key`.",
            WWW_Authenticate=header("WWWAuthenticate"),
        ),
        "403": _relay_failure("Not from one of the customer's allowed networks."),
        "404": _relay_failure("Unknown clientId." + NOT_ROUTED),
        "413": _relay_failure("The body is larger than `HUB_MAX_BODY_BYTES`."),
        "415": _relay_failure("Any other Content-Type; the answer is in `Accept`'s format."),
        "503": _relay_failure(
            "Kafka or the workers unreachable, or tables recovering: not recorded, retry.",
            Retry_After=header("RetryAfter"),
        ),
    }


def relay_paths() -> dict[str, Schema]:
    """`PUT /api/customer/{clientId}/heartbeat`."""
    beat = operation(
        "putHeartbeat",
        "A relay client's heartbeat; the answer says what it should run",
        "relay",
        _relay_responses(),
        body=_relay_request(),
        description=RELAY_DESCRIPTION,
    )
    # No key unless the customer's access asks for one (`PUT .../access`).
    beat["security"] = [{}, {"relayKey": []}, {"relayBasic": []}]
    return {"/api/customer/{clientId}/heartbeat": {"parameters": [param("ClientId")], "put": beat}}


def _viewed(schema: Schema, what: str) -> Schema:
    return {
        "200": answer(what, content(schema)),
        "202": answer(
            f"{what} The write is durable but not yet visible after `HUB_APPLY_WAIT_S`: "
            "the view as it is now.",
            content(schema),
        ),
    }


def _customer_view() -> Schema:
    return _viewed(response(CustomerView), "The customer view.")


def customer_paths() -> dict[str, Schema]:
    """A customer and its profiles."""
    put = admin_operation(
        "putCustomer",
        "Create or replace a customer",
        ADMIN,
        _customer_view(),
        (400, 413),
        body=json_body(request(CustomerConfig), "The customer."),
    )
    get = admin_operation(
        "getCustomer",
        "The customer, its profiles and their last reported state",
        ADMIN,
        _customer_view(),
        (404,),
    )
    item = {"parameters": [param("ClientId")], "put": put, "get": get}
    return {CUSTOMER: {**item, "delete": _delete_customer()}}


DELETE_CUSTOMER = (
    "Everything of the customer goes: its profiles, states, health, commands (unfinished"
    " ones recorded as cancelled), relay access, PBXes (their sessions end, their API users"
    " are released, their upstream connections log out) and its place in scoped tokens."
    " Heartbeats of its clients answer 404 from then on. The SQL tables keep its history,"
    " its customer and profile rows marked with `deleted_at`. A later PUT of the same"
    " clientId starts a new customer with nothing left over. A scoped token needs write"
    " access to the customer."
)


def _delete_customer() -> Schema:
    deleted = response(CustomerDeletion)
    ok = {
        "200": answer("Deleted; what was deleted, as the hub held it.", content(deleted)),
        "202": answer(
            "Durable, but the customer's worker has not finished after `HUB_APPLY_WAIT_S`"
            " (or could not say); it will. What is being deleted.",
            content(deleted),
        ),
    }
    return admin_operation(
        "deleteCustomer",
        "Delete a customer with everything it has",
        ADMIN,
        ok,
        (404,),
        description=DELETE_CUSTOMER,
    )


PROFILE_PARAMS = [param("ClientId"), param("ProfileType"), param("ProfileId")]


def _profile_body() -> Schema:
    schema = {"anyOf": [ref("InboundProfileBody"), ref("OutboundProfileBody")]}
    return json_body(
        schema,
        "The profile in the wire's field names, as `ptype` says (state fields and"
        " `ClientActionRequest` are ignored; the id may be left out, else it must be the"
        " URL's), with optional `HeartbeatIntervalSeconds`/`GracePeriodSeconds` overrides.",
    )


def profile_paths() -> dict[str, Schema]:
    """One profile of a customer."""
    put = admin_operation(
        "putProfile",
        "Create or replace a profile of an existing customer",
        ADMIN,
        _customer_view(),
        (400, 404, 413),
        body=_profile_body(),
    )
    delete = admin_operation(
        "deleteProfile",
        "Delete a profile; clients stop seeing it",
        ADMIN,
        _customer_view(),
        (400, 404),
    )
    return {PROFILE: {"parameters": PROFILE_PARAMS, "put": put, "delete": delete}}


IMPORT_EXAMPLE = (
    '{"clientId": "acme-1", "customer": {"RelayCustomerID": 1, "Name": "Acme"},'
    ' "inbound": {"7": {"ProfileName": "lab", "ReceivePort": 2575}},'
    ' "outbound": {"2": {"ProfileName": "orders"}}}\n'
)


def import_paths() -> dict[str, Schema]:
    """`POST /admin/import`."""
    body = {
        "required": True,
        "description": (
            "NDJSON: one `ImportLine` a line, its customer and profile bodies as the PUTs"
            " take them. Every line is validated before anything is written."
        ),
        "content": content({"type": "string"}, NDJSON, example=IMPORT_EXAMPLE),
    }
    ok = {"200": answer("Every record is durable.", content(ref("ImportResult")))}
    op = admin_operation(
        "importCustomers",
        "Many customers and their profiles at once",
        ADMIN,
        ok,
        (400, 413),
        body=body,
        description="A bad line is 400 `line N: invalid: ...` and nothing is written. "
        "Past `HUB_MAX_IMPORT_BYTES`, 413. An import answered 503 is sent again whole.",
    )
    return {"/admin/import": {"post": op}}


def desired_state_paths() -> dict[str, Schema]:
    """A profile's desired state."""
    put = admin_operation(
        "putDesiredState",
        "Set (1 start, 2 stop) or clear (0) the profile's desired state",
        ORDERS,
        _viewed(response(DesiredState), "The desired state."),
        (400, 404, 413),
        body=json_body(request(DesiredStateRequest), "The desired state."),
    )
    return {f"{PROFILE}/desired-state": {"parameters": PROFILE_PARAMS, "put": put}}


def _created() -> Schema:
    return {
        "201": answer(
            "Queued; `visible` says whether the next heartbeat carries it yet.",
            content(ref("CommandCreated")),
            Location=header("Location"),
        )
    }


def commands_paths() -> dict[str, Schema]:
    """A profile's commands."""
    post = admin_operation(
        "postCommand",
        "Queue a one-shot command",
        ORDERS,
        _created(),
        (400, 404, 413),
        body=json_body(request(CommandRequest), "The command (defaults shown in the schema)."),
    )
    listed = {"type": "array", "items": response(CommandRecord)}
    get = admin_operation(
        "listCommands",
        "The profile's commands, oldest first",
        ORDERS,
        _viewed(listed, "The commands."),
        (400, 404),
        params=[param("CommandState")],
    )
    return {f"{PROFILE}/commands": {"parameters": PROFILE_PARAMS, "post": post, "get": get}}


def command_paths() -> dict[str, Schema]:
    """One command."""
    record = response(CommandRecord)
    get = admin_operation(
        "getCommand",
        "One command: its state, deliveries and every change",
        ORDERS,
        _viewed(record, "The command."),
        (400, 404),
    )
    delete = admin_operation(
        "cancelCommand",
        "Cancel a command before it finishes",
        ORDERS,
        {"200": answer("The cancelled command.", content(record))},
        (400, 404, 409),
        description="409 once it has finished (or finished before it could be cancelled).",
    )
    params = [*PROFILE_PARAMS, param("CommandId")]
    return {
        f"{PROFILE}/commands/{{commandId}}": {"parameters": params, "get": get, "delete": delete}
    }


def health_paths() -> dict[str, Schema]:
    """A customer's health and profiles' maintenance windows."""
    get = admin_operation(
        "getHealth",
        "The health of the customer's profiles and PBXes; `customer` is the worst",
        "admin: health",
        _viewed(response(HealthView), "The health view."),
        (404,),
    )
    put = admin_operation(
        "putMaintenance",
        "Replace the profile's maintenance windows (`[]` clears them)",
        "admin: health",
        _customer_view(),
        (400, 404, 413),
        body=json_body(request(MaintenanceRequest), "The windows; the profile is paused in them."),
    )
    delete = admin_operation(
        "deleteMaintenance",
        "Remove the profile's maintenance windows",
        "admin: health",
        _customer_view(),
        (400, 404),
    )
    return {
        f"{CUSTOMER}/health": {"parameters": [param("ClientId")], "get": get},
        f"{PROFILE}/maintenance": {"parameters": PROFILE_PARAMS, "put": put, "delete": delete},
    }


def _probe(op_id: str, summary: str, failing: str) -> Schema:
    body = content(ref("WriteProbe"))
    responses = {"200": answer("Writes are fine.", body), "503": answer(failing, body)}
    return {"get": operation(op_id, summary, "probes", responses)}


def probe_paths() -> dict[str, Schema]:
    """`/healthz` and `/readyz`."""
    return {
        "/healthz": _probe(
            "healthz",
            "Liveness",
            "Writes have failed for longer than `HUB_LIVENESS_LIMIT_S`: restart me.",
        ),
        "/readyz": _probe(
            "readyz", "Readiness", "Kafka writes are not being acknowledged right now."
        ),
        "/metrics": {"get": _metrics()},
    }


def _metrics() -> Schema:
    text = {"schema": {"type": "string"}}
    samples = {"text/plain": text, "application/openmetrics-text": text}
    responses = {
        "200": answer("Prometheus text format, or OpenMetrics when `Accept` asks.", samples),
        "404": answer("Asked through a proxy (`X-Forwarded-For` or `Forwarded` present)."),
    }
    return operation("metrics", "The ingress's Prometheus metrics", "probes", responses)


def paths() -> dict[str, Schema]:
    """The relay API, the admin API of customers, profiles, orders and health, the probes."""
    return {
        **relay_paths(),
        **customer_paths(),
        **profile_paths(),
        **import_paths(),
        **desired_state_paths(),
        **commands_paths(),
        **command_paths(),
        **health_paths(),
        **probe_paths(),
    }
