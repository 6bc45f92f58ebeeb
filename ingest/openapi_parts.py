"""Building blocks of the OpenAPI document: operations, answers, shared parameters and headers."""

from copy import deepcopy
from functools import cache
from typing import Any

from ingest.admin import TYPES
from ingest.openapi_schemas import Schema, ref
from schemas.events import CommandState
from schemas.pbx import PBX_ID, USERNAME

JSON = "application/json"
TEXT = "text/plain"
ADMIN_AUTH = "adminToken"
SEGMENT = "^[^/]+$"
"""What a `{name}` in a route matches: one path segment, not empty."""

ADMIN_ERRORS = {
    400: "AdminBadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "AdminNotFound",
    409: "AdminConflict",
    413: "AdminTooLarge",
    503: "AdminUnavailable",
}
NOT_ROUTED = (
    " A path segment that does not match its route (an empty one, or a `profileId` that"
    " is not digits) is answered 404 the same way."
)


def content(schema: Schema, media: str = JSON, **extra: Any) -> Schema:
    """A `content` map of one media type."""
    return {media: {"schema": schema, **extra}}


def answer(description: str, body: Schema | None = None, **headers: Schema) -> Schema:
    """A response object; `body` is its `content` map."""
    out: Schema = {"description": description}
    if body is not None:
        out["content"] = body
    if headers:
        out["headers"] = {name.replace("_", "-"): value for name, value in headers.items()}
    return out


def reused(kind: str, name: str) -> Schema:
    """A reference to a shared component: `reused("responses", "Unauthorized")`."""
    return {"$ref": f"#/components/{kind}/{name}"}


def header(name: str) -> Schema:
    """A reference to a shared response header."""
    return reused("headers", name)


def param(name: str) -> Schema:
    """A shared parameter, written out in full: Swagger UI ignores `$ref`s to parameters."""
    return deepcopy(_parameters()[name])


def operation(
    op_id: str,
    summary: str,
    tag: str,
    responses: Schema,
    *,
    body: Schema | None = None,
    params: list[Schema] | None = None,
    description: str | None = None,
) -> Schema:
    """An operation object."""
    op: Schema = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = params
    if body is not None:
        op["requestBody"] = body
    op["responses"] = responses
    return op


def admin_operation(
    op_id: str, summary: str, tag: str, ok: Schema, errors: tuple[int, ...], **kw: Any
) -> Schema:
    """An operation of the admin API: bearer token, and its JSON errors (401, 403, 503 always)."""
    always = {401, 403, 503}
    shared = {str(s): reused("responses", ADMIN_ERRORS[s]) for s in sorted({*always, *errors})}
    op = operation(op_id, summary, tag, {**ok, **shared}, **kw)
    op["security"] = [{ADMIN_AUTH: []}]
    return op


def json_body(schema: Schema, description: str, **extra: Any) -> Schema:
    """A required JSON request body."""
    return {"required": True, "description": description, "content": content(schema, **extra)}


def path_param(name: str, description: str, schema: Schema | None = None) -> Schema:
    """A path parameter: one segment, unless `schema` says more."""
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": schema or {"type": "string", "minLength": 1, "pattern": SEGMENT},
    }


def _not_found() -> Schema:
    routed = content(ref("Error"))
    return answer(
        "Unknown customer, profile, profile type, command, PBX, user or connection." + NOT_ROUTED,
        routed,
    )


def shared_responses() -> dict[str, Schema]:
    """The admin API's error answers: JSON `{"error": ...}`."""
    err = content(ref("Error"))
    return {
        "AdminBadRequest": answer("Invalid body (naming the field) or path.", err),
        "Unauthorized": answer(
            "Missing or wrong bearer token (every token is wrong when none is configured).", err
        ),
        "Forbidden": answer(
            "Outside the scoped token's reach: another customer's, a write with a read-only"
            " token, or a route that names no customer (import, tokens).",
            err,
        ),
        "AdminNotFound": _not_found(),
        "AdminConflict": answer("The change conflicts with the current state.", err),
        "AdminTooLarge": answer("The body is larger than `HUB_MAX_BODY_BYTES`.", err),
        "AdminUnavailable": answer(
            "Kafka or the workers did not take the call in time; nothing is lost by retrying.",
            err,
            Retry_After=header("RetryAfter"),
        ),
    }


def shared_headers() -> dict[str, Schema]:
    """Response headers several answers carry."""
    return {
        "RetryAfter": {
            "description": "Seconds to wait before calling again.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0},
        },
        "WWWAuthenticate": {
            "description": "The relay key's scheme.",
            "required": True,
            "schema": {"type": "string", "const": 'Basic realm="heartbeat hub"'},
        },
        "Location": {
            "description": "The new resource's path.",
            "required": True,
            "schema": {"type": "string"},
        },
    }


@cache
def _parameters() -> dict[str, Schema]:
    """The path and query parameters several operations share."""
    pid = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    return {
        "ClientId": path_param("clientId", "The customer's id (the relay client's)."),
        "ProfileType": path_param(
            "ptype", "The profile's type.", {"type": "string", "enum": list(TYPES)}
        ),
        "ProfileId": path_param("profileId", "A positive 32-bit integer (else 400).", pid),
        "CommandId": path_param("commandId", "The command's id, as its POST answered."),
        "CommandState": {
            "name": "state",
            "in": "query",
            "required": False,
            "description": "Only the commands in this state.",
            "schema": {"type": "string", "enum": list(CommandState.__members__)},
        },
        "PbxId": path_param(
            "pbxId", "The PBX's id (else 400).", {"type": "string", "pattern": PBX_ID}
        ),
        "Username": path_param(
            "username",
            "The API user's name, unique across the hub (else 400).",
            {"type": "string", "pattern": USERNAME},
        ),
    }
