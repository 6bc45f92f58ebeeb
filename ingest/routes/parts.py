"""Building blocks of the operations' descriptions: bodies, answers, parameters, shared headers."""

from typing import Any

from ingest.operation import Component, Schema

JSON = "application/json"
TEXT = "text/plain"
SEGMENT = "^[^/]+$"
"""What a `{name}` in a route matches: one path segment, not empty."""
NOT_ROUTED = (
    " A path segment that does not match its route (an empty one, or a `profileId` that"
    " is not digits) is answered 404 the same way."
)


def content(schema: Any, media: str = JSON, **extra: Any) -> Schema:
    """A `content` map of one media type."""
    return {media: {"schema": schema, **extra}}


def answer(description: str, body: Schema | None = None, **headers: Any) -> Schema:
    """A response object; `body` is its `content` map, `Retry_After` names `Retry-After`."""
    out: Schema = {"description": description}
    if body is not None:
        out["content"] = body
    if headers:
        out["headers"] = {name.replace("_", "-"): value for name, value in headers.items()}
    return out


def json_body(schema: Any, description: str, **extra: Any) -> Schema:
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


def query_param(name: str, description: str, schema: Schema) -> Schema:
    """An optional query parameter."""
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def obj(properties: Schema, required: tuple[str, ...] = (), **extra: Any) -> Schema:
    """An object schema."""
    return {"type": "object", "properties": properties, "required": list(required), **extra}


def schema(name: str, value: Schema) -> Any:
    """A named component schema, for a wire format no model describes."""
    return Component("schemas", name, value)


def _header(name: str, description: str, value: Schema) -> Any:
    return Component("headers", name, {"description": description, "required": True, **value})


RETRY_AFTER = _header(
    "RetryAfter",
    "Seconds to wait before calling again.",
    {"schema": {"type": "integer", "minimum": 0}},
)
LOCATION = _header("Location", "The new resource's path.", {"schema": {"type": "string"}})
WWW_AUTHENTICATE = _header(
    "WWWAuthenticate",
    "The relay key's scheme.",
    {"schema": {"type": "string", "const": 'Basic realm="heartbeat hub"'}},
)
ERROR = schema(
    "Error",
    obj(
        {"error": {"type": "string", "description": "what is wrong, naming the field"}},
        ("error",),
        description="Every error of the admin API (and of the PBX event URLs).",
    ),
)
