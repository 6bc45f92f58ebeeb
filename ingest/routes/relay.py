"""`PUT /api/customer/{clientId}/heartbeat`, as routed and documented.

Both wire formats of every answer: JSON from the models' own schemas, and the .NET
DataContract XML form (enums by member name, the elements' names), which no model
describes on its own.
"""

from copy import deepcopy
from enum import IntEnum
from typing import Any, Literal

from pydantic import BaseModel

from ingest import relay
from ingest.negotiation import MEDIA_TYPES
from ingest.openapi import REF
from ingest.operation import Component, Operation, Path, Schema, request, response
from ingest.routes import relay_examples as examples
from ingest.routes.params import CLIENT_ID
from ingest.routes.parts import NOT_ROUTED, RETRY_AFTER, WWW_AUTHENTICATE, answer, schema
from schemas.access import KEY_HEADER
from schemas.codec_xml import NS_TRANSFER
from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData
from schemas.wire import Format

XML_ENUMS: dict[str, type[IntEnum]] = {
    "ProfileType": ProfileType,
    "ServerStatus": ServerStatus,
    "ResponseStatus": ResponseStatus,
}
"""The enums DataContract XML writes by member name where JSON writes numbers."""
ENUM_NAMES = {
    name: schema(f"{name}Name", {"type": "string", "enum": list(enum.__members__), "title": name})
    for name, enum in XML_ENUMS.items()
}


def _retarget(node: Any) -> Any:
    """A copy of a schema whose references to the XML enums are to their names' schemas."""
    if isinstance(node, list):
        return [_retarget(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _retarget(value) for key, value in node.items()}
    target = str(node.get("$ref", "")).rsplit("/", 1)[-1]
    if target in ENUM_NAMES:
        out["$ref"] = ENUM_NAMES[target]
    return out


def _not_null(prop: Schema) -> Schema:
    """XML writes a null as `i:nil="true"`, an attribute no schema can carry: drop the null."""
    options = [o for o in prop.get("anyOf", []) if o != {"type": "null"}]
    if len(options) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**rest, **options[0]}


def xml_variant(
    model: type[BaseModel],
    mode: Literal["validation", "serialization"],
    xml: Schema,
    *,
    nulls: bool,
) -> Any:
    """A model's schema in its XML form: enums by member name, the element's name."""
    own = model.model_json_schema(ref_template=REF, mode=mode)
    own.pop("$defs", None)
    variant: Schema = _retarget(deepcopy(own))
    if not nulls:
        variant["properties"] = {k: _not_null(v) for k, v in variant["properties"].items()}
    return schema(f"{model.__name__}Xml", {**variant, "xml": xml})


ANSWER_XML = {"name": "ProfileListResponseData", "namespace": NS_TRANSFER}
BEAT_XML = xml_variant(
    ProfileHeartbeatData, "validation", {"name": "ProfileHeartbeatData"}, nulls=False
)
ANSWER = xml_variant(ProfileListResponseData, "serialization", ANSWER_XML, nulls=True)
FAILURE = schema(
    "RelayFailure",
    {
        "description": "An error answer: `ResponseStatus` Failure (2), `LogMessage` says why.",
        "allOf": [response(ProfileListResponseData)],
        "properties": {"ResponseStatus": {"const": ResponseStatus.Failure.value}},
    },
)
FAILURE_XML = schema(
    "RelayFailureXml",
    {
        "description": "An error answer in XML: `ResponseStatus` Failure.",
        "allOf": [ANSWER],
        "properties": {"ResponseStatus": {"const": ResponseStatus.Failure.name}},
        "xml": ANSWER_XML,
    },
)
RELAY_KEY = Component(
    "securitySchemes", "relayKey", {"type": "apiKey", "in": "header", "name": KEY_HEADER}
)
RELAY_BASIC = Component(
    "securitySchemes",
    "relayBasic",
    {
        "type": "http",
        "scheme": "basic",
        "description": "User the clientId, password the customer's relay key.",
    },
)


def _content(json_schema: Any, xml_schema: Any, json_ex: object, xml_ex: str) -> Schema:
    out: Schema = {}
    for media, fmt in MEDIA_TYPES.items():
        json = fmt is Format.JSON
        out[media] = {"schema": json_schema if json else xml_schema}
        out[media]["example"] = json_ex if json else xml_ex
    return out


def _failure(description: str, **headers: Any) -> Schema:
    json, xml = examples.failure(Format.JSON), examples.failure(Format.XML)
    return answer(description, _content(FAILURE, FAILURE_XML, json, xml), **headers)


def _request() -> Schema:
    xml = {
        "type": "array",
        "items": BEAT_XML,
        "xml": {"name": "ArrayOfProfileHeartbeatData", "namespace": NS_TRANSFER, "wrapped": True},
    }
    json = {"type": "array", "items": request(ProfileHeartbeatData)}
    return {
        "required": True,
        "description": "Heartbeat data of each profile the client runs.",
        "content": _content(json, xml, examples.HEARTBEAT_REQUEST, examples.request_xml()),
    }


def _answers() -> dict[int, Schema]:
    ok = _content(
        response(ProfileListResponseData),
        ANSWER,
        examples.HEARTBEAT_RESPONSE,
        examples.response_xml(),
    )
    return {
        200: answer("Accepted and durable in Kafka: every configured profile.", ok),
        400: _failure("Malformed body; `LogMessage` names the field at fault."),
        401: _failure(
            "The customer requires a key: HTTP Basic (user the clientId) or `X-Hub-Key`.",
            WWW_Authenticate=WWW_AUTHENTICATE,
        ),
        403: _failure("Not from one of the customer's allowed networks."),
        404: _failure("Unknown clientId." + NOT_ROUTED),
        413: _failure("The body is larger than `HUB_MAX_BODY_BYTES`."),
        415: _failure("Any other Content-Type; the answer is in `Accept`'s format."),
        503: _failure(
            "Kafka or the workers unreachable, or tables recovering: not recorded, retry.",
            Retry_After=RETRY_AFTER,
        ),
    }


DESCRIPTION = (
    "The answer is in the format `Accept` names (quality values honoured), else in the"
    " request's media type; an `Accept` naming only other types falls back too (no 406)."
    " JSON writes enums as numbers; XML is the .NET DataContract form, enums by name, nulls"
    ' as `i:nil="true"`. Nothing but a 200 changes any state.'
)
OPERATIONS = (
    Operation(
        "PUT",
        Path(relay.ROUTE, (CLIENT_ID,)),
        relay.heartbeat,
        "putHeartbeat",
        "A relay client's heartbeat; the answer says what it should run",
        "relay",
        _answers(),
        body=_request(),
        description=DESCRIPTION,
        # No key unless the customer's access asks for one (`PUT .../access`).
        security=(None, RELAY_KEY, RELAY_BASIC),
    ),
)
"""The relay API: served first by `ingest.fast_paths`, on the same template."""
