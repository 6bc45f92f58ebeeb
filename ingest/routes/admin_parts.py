"""What every admin operation has: the bearer token, its handler's wrapper, its JSON errors."""

from collections.abc import Mapping
from typing import Any

from ingest import admin
from ingest.admin import Handler
from ingest.operation import Component, Operation, Path, Schema
from ingest.routes.parts import ERROR, NOT_ROUTED, RETRY_AFTER, answer, content

ADMIN_TOKEN = Component(
    "securitySchemes",
    "adminToken",
    {
        "type": "http",
        "scheme": "bearer",
        "description": "`HUB_ADMIN_TOKEN` (every route), or a scoped token of"
        " `POST /admin/tokens` (its customers' routes only). With neither configured,"
        " the admin API is closed.",
    },
)


def _error(name: str, description: str, **headers: Any) -> Component:
    return Component("responses", name, answer(description, content(ERROR), **headers))


ERRORS = {
    400: _error("AdminBadRequest", "Invalid body (naming the field) or path."),
    401: _error(
        "Unauthorized",
        "Missing or wrong bearer token (every token is wrong when none is configured).",
    ),
    403: _error(
        "Forbidden",
        "Outside the scoped token's reach: another customer's, a write with a read-only"
        " token, or a route that names no customer (import, tokens).",
    ),
    404: _error(
        "AdminNotFound",
        "Unknown customer, profile, profile type, command, PBX, user or connection." + NOT_ROUTED,
    ),
    409: _error("AdminConflict", "The change conflicts with the current state."),
    413: _error("AdminTooLarge", "The body is larger than `HUB_MAX_BODY_BYTES`."),
    503: _error(
        "AdminUnavailable",
        "Kafka or the workers did not take the call in time; nothing is lost by retrying.",
        Retry_After=RETRY_AFTER,
    ),
}
"""The admin API's error answers, JSON `{"error": ...}`, by status."""
ALWAYS = (401, 403, 503)


def admin_operation(
    method: str,
    path: Path,
    handler: Handler,
    op_id: str,
    summary: str,
    *,
    tag: str,
    ok: Mapping[int, Schema | Component],
    errors: tuple[int, ...] = (),
    **more: Any,
) -> Operation:
    """An operation of the admin API: bearer token, its JSON errors (401, 403, 503 always)."""
    shared = {status: ERRORS[status] for status in sorted({*ALWAYS, *errors})}
    return Operation(
        method,
        path,
        admin.endpoint(handler),
        op_id,
        summary,
        tag,
        {**ok, **shared},
        security=(ADMIN_TOKEN,),
        **more,
    )


def viewed(schema: Any, what: str) -> dict[int, Schema]:
    """A view's answers: 200, or 202 when the write is durable but not yet visible."""
    return {
        200: answer(what, content(schema)),
        202: answer(
            f"{what} The write is durable but not yet visible after `HUB_APPLY_WAIT_S`: "
            "the view as it is now.",
            content(schema),
        ),
    }
