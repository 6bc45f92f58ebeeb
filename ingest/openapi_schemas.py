"""Component schemas of the OpenAPI document: the pydantic models' own JSON schemas.

Request bodies use each model's validation schema, answers its serialization schema,
so the document follows the code. What no model describes (error bodies, the PBX
API's calls, the relay's XML form) is written here, next to the models it extends.
"""

from copy import deepcopy
from enum import IntEnum
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from ingest.bulk_import import ImportLine
from schemas.access import AccessBody
from schemas.admin_tokens import TokenBody
from schemas.codec_xml import NS_TRANSFER
from schemas.commands import CommandRecord, CommandRequest, DesiredState, DesiredStateRequest
from schemas.customer_deletion import CustomerDeletion
from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.health import HealthView, MaintenanceRequest, Timing
from schemas.pbx import ApiUserBody, PbxConfig, PbxView
from schemas.pbx_upstream import UpstreamBody, UpstreamView
from schemas.profiles import CustomerConfig, CustomerView
from schemas.relay import (
    InboundProfileBase,
    OutboundProfileBase,
    ProfileHeartbeatData,
    ProfileListResponseData,
)

Schema = dict[str, Any]
REF = "#/components/schemas/{model}"
REQUESTS: tuple[type[BaseModel], ...] = (
    ProfileHeartbeatData,
    CustomerConfig,
    InboundProfileBase,
    OutboundProfileBase,
    Timing,
    ImportLine,
    DesiredStateRequest,
    CommandRequest,
    MaintenanceRequest,
    PbxConfig,
    ApiUserBody,
    UpstreamBody,
    AccessBody,
    TokenBody,
)
RESPONSES: tuple[type[BaseModel], ...] = (
    ProfileListResponseData,
    CustomerView,
    CustomerDeletion,
    DesiredState,
    CommandRecord,
    HealthView,
    PbxView,
    UpstreamView,
)
XML_ENUMS: dict[str, type[IntEnum]] = {
    "ProfileType": ProfileType,
    "ServerStatus": ServerStatus,
    "ResponseStatus": ResponseStatus,
}
"""The enums DataContract XML writes by member name where JSON writes numbers."""


def ref(name: str) -> Schema:
    """A reference to a component schema."""
    return {"$ref": REF.format(model=name)}


@cache
def _generated() -> tuple[dict[tuple[Any, JsonSchemaMode], Schema], Schema]:
    pairs: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in REQUESTS]
    pairs += [(m, "serialization") for m in RESPONSES]
    refs, top = models_json_schema(pairs, ref_template=REF)
    defs: Schema = top["$defs"]
    return refs, defs


def request(model: type[BaseModel]) -> Schema:
    """The reference to a request body's model (its validation schema)."""
    return dict(_generated()[0][(model, "validation")])


def response(model: type[BaseModel]) -> Schema:
    """The reference to an answer's model (its serialization schema)."""
    return dict(_generated()[0][(model, "serialization")])


def obj(properties: Schema, required: tuple[str, ...] = (), **extra: Any) -> Schema:
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def _retarget(node: Any, suffix: str) -> Any:
    """A copy of a schema whose references to the XML enums point at their `<name><suffix>`."""
    if isinstance(node, list):
        return [_retarget(item, suffix) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _retarget(value, suffix) for key, value in node.items()}
    target = str(out.get("$ref", "")).rsplit("/", 1)[-1]
    if target in XML_ENUMS:
        out["$ref"] = REF.format(model=target + suffix)
    return out


def _not_null(prop: Schema) -> Schema:
    """XML writes a null as `i:nil="true"`, an attribute no schema can carry: drop the null."""
    options = [o for o in prop.get("anyOf", []) if o != {"type": "null"}]
    if len(options) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**rest, **options[0]}


def xml_variant(name: str, xml: Schema, *, nulls: bool) -> Schema:
    """A model's schema in its XML form: enums by member name, the element's name."""
    schema: Schema = _retarget(deepcopy(_generated()[1][name]), "Name")
    if not nulls:
        schema["properties"] = {k: _not_null(v) for k, v in schema["properties"].items()}
    return {**schema, "xml": xml}


def _enum_names() -> dict[str, Schema]:
    return {
        f"{name}Name": {"type": "string", "enum": list(enum.__members__), "title": name}
        for name, enum in XML_ENUMS.items()
    }


def _relay_schemas() -> dict[str, Schema]:
    failure = {"ResponseStatus": {"const": ResponseStatus.Failure.value}}
    return {
        "ProfileHeartbeatDataXml": xml_variant(
            "ProfileHeartbeatData", {"name": "ProfileHeartbeatData"}, nulls=False
        ),
        "ProfileListResponseDataXml": xml_variant(
            "ProfileListResponseData",
            {"name": "ProfileListResponseData", "namespace": NS_TRANSFER},
            nulls=True,
        ),
        "RelayFailure": {
            "description": "An error answer: `ResponseStatus` Failure (2), `LogMessage` says why.",
            "allOf": [ref("ProfileListResponseData")],
            "properties": failure,
        },
        "RelayFailureXml": {
            "description": "An error answer in XML: `ResponseStatus` Failure.",
            "allOf": [ref("ProfileListResponseDataXml")],
            "properties": {"ResponseStatus": {"const": ResponseStatus.Failure.name}},
            "xml": {"name": "ProfileListResponseData", "namespace": NS_TRANSFER},
        },
        **_enum_names(),
    }


def _admin_schemas() -> dict[str, Schema]:
    return {
        "Error": obj(
            {"error": {"type": "string", "description": "what is wrong, naming the field"}},
            ("error",),
            description="Every error of the admin API (and of the PBX event URLs).",
        ),
        "InboundProfileBody": {
            "description": "An inbound profile's configuration, with optional timing overrides.",
            "allOf": [request(InboundProfileBase), request(Timing)],
        },
        "OutboundProfileBody": {
            "description": "An outbound profile's configuration, with optional timing overrides.",
            "allOf": [request(OutboundProfileBase), request(Timing)],
        },
        "CommandCreated": obj(
            {
                "id": {"type": "string", "description": "the command's id"},
                "visible": {"type": "boolean", "description": "the next heartbeat carries it"},
            },
            ("id", "visible"),
        ),
        "ImportResult": obj(
            {"customers": {"type": "integer"}, "profiles": {"type": "integer"}},
            ("customers", "profiles"),
            description="How many customers and profiles the import wrote (all durable).",
        ),
        "WriteProbe": _probe_schema(),
    }


def _probe_schema() -> Schema:
    return obj(
        {
            "status": {"type": "string", "enum": ["ok", "stuck", "ready", "unready"]},
            "kafkaWrites": {"type": "string", "enum": ["acknowledged", "failing"]},
            "reason": {"type": "string"},
            "lastAckAgeSeconds": {"type": ["number", "null"]},
            "unreadySeconds": {"type": "number"},
        },
        ("status", "kafkaWrites", "reason", "lastAckAgeSeconds", "unreadySeconds"),
        description="Whether this replica's Kafka writes are being acknowledged.",
    )


def components() -> dict[str, Schema]:
    """The models' component schemas and those of the relay and admin APIs' other bodies."""
    return {**_generated()[1], **_relay_schemas(), **_admin_schemas()}
