"""The PBX API, `/api/v2.0.0/{call}`, as routed and documented: its three calls apart.

Its bodies are read field by field (`schemas.pbx_requests`), not by a model: their
schemas are written here.
"""

from typing import Any

from ingest import pbx_api
from ingest.operation import Component, Operation, Path, Schema
from ingest.routes.parts import RETRY_AFTER, answer, content, json_body, obj, path_param, schema
from schemas.pbx_errno import MEANING, Errno
from schemas.pbx_events import VERSIONS
from schemas.pbx_requests import MAX_FIELD

TAG = "PBX API"
E = Errno
_BODY_ERRNOS = (E.XML_NOT_SUPPORTED, E.UNSUPPORTED_REQUEST, E.REQUIRED_BLANK, E.NOT_JSON)
_BLANK = (E.BLANK_DATA, E.WRONG_PORT, E.BLANK_REQUEST)
ERRNOS: dict[str, tuple[Errno, ...]] = {
    "Login": (*_BODY_ERRNOS, E.LOCKED, E.BAD_CREDENTIALS, *_BLANK),
    "Heartbeat": (*_BODY_ERRNOS, E.NO_SUCH_TOKEN, E.TOKEN_BLANK, E.TOKEN_TIMED_OUT, *_BLANK),
    "Logout": (E.NOT_JSON, E.NO_SUCH_TOKEN, E.TOKEN_BLANK, E.TOKEN_TIMED_OUT),
    "NotPost": (E.NOT_POST,),
}
"""The errnos each call answers with HTTP 200 (30001 is the 503)."""

ERRNO = schema(
    "PbxErrno",
    {
        "type": "string",
        "enum": [e.value for e in Errno],
        "description": "\n".join(f"- `{e.value}`: {MEANING[e]}" for e in Errno),
    },
)
_SUCCESS = {"status": {"type": "string", "const": "Success"}}
_TOKEN = {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "lives 30 minutes"}
_LOGIN = {**_SUCCESS, "token": _TOKEN, "transport": {"type": "string", "const": "HTTP"}}
SUCCESS = schema("PbxSuccess", obj(_SUCCESS, ("status",), additionalProperties=False))
LOGIN_SUCCESS = schema("PbxLoginSuccess", obj(_LOGIN, tuple(_LOGIN), additionalProperties=False))
FAILED = schema(
    "PbxFailed",
    obj(
        {"status": {"type": "string", "const": "Failed"}, "errno": ERRNO},
        ("status", "errno"),
        additionalProperties=False,
    ),
)


def _failed(name: str, errnos: tuple[Errno, ...], description: str) -> Any:
    return schema(
        name,
        {
            "description": description,
            "allOf": [FAILED],
            "properties": {"errno": {"enum": [e.value for e in errnos]}},
        },
    )


CALL_FAILED = {
    call: _failed(f"Pbx{call}Failed", e, f"{call}'s failures.") for call, e in ERRNOS.items()
}
UNAVAILABLE = _failed("PbxUnavailable", (E.API_ERROR,), "Not recorded: call again.")


def _text_field(description: str) -> Schema:
    return {"type": ["string", "integer"], "maxLength": MAX_FIELD, "description": description}


CALLBACK_FIELDS = {
    "ipaddr": _text_field("The application server's address (default: the caller's)."),
    "port": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": 65535},
            {"type": "string", "pattern": "^[0-9]{1,5}$"},
        ],
        "description": "Where events go (8260); a number or a string of digits, 1-65535.",
    },
    "url": _text_field("The events' path (urltag 0) or whole URL (urltag 1)."),
    "urltag": {"enum": [0, 1, "0", "1"], "description": "0: `url` is relative; 1: absolute."},
    "version": {"type": "string", "enum": list(VERSIONS), "description": "Event version."},
}
LOGIN_FIELDS = {
    "username": _text_field("An API user of a PBX."),
    "password": {
        "type": "string",
        "pattern": "^[0-9a-f]{32}$",
        "description": "The MD5 of the password, 32 lowercase hex digits.",
    },
    **CALLBACK_FIELDS,
}
LOGIN_REQUEST = schema("PbxLoginRequest", obj(LOGIN_FIELDS, ("username", "password")))
HEARTBEAT_REQUEST = schema("PbxHeartbeatRequest", obj(CALLBACK_FIELDS, ("ipaddr",)))
CORS = {
    name: Component(
        "headers", name.replace("-", ""), {"schema": {"type": "string", "const": value}}
    )
    for name, value in pbx_api.CORS.items()
}
"""The PBX's permissive CORS headers, on every PBX API answer."""


def _call_answers(ok: Schema) -> dict[int, Schema]:
    return {
        200: {
            **answer(
                "Every answer but 30001 is HTTP 200: Success, or Failed with an errno.", content(ok)
            ),
            "headers": dict(CORS),
        },
        503: {
            **answer(
                "Kafka or the workers did not take the call (errno 30001).", content(UNAVAILABLE)
            ),
            "headers": {**CORS, "Retry-After": RETRY_AFTER},
        },
    }


TOKEN = {
    "name": "token",
    "in": "query",
    "required": False,
    "description": "The login's token (20005 when missing or empty, 20004 when unknown).",
    "schema": {"type": "string"},
}


def _call_body(body: Any, description: str) -> Schema:
    # not required: an empty body is an answer too, 20009
    return {**json_body(body, description + " Content-Type is not required."), "required": False}


def _call(name: str, summary: str, ok: list[Any], **more: Any) -> Operation:
    return Operation(
        "POST", Path(f"/api/v2.0.0/{name}"), pbx_api.pbx_call, f"pbx{name.capitalize()}", summary,
        TAG, _call_answers({"oneOf": ok}), routed=False, **more,
    )  # fmt: skip


def _any_call(method: str) -> Operation:
    if method == "POST":
        answers = _call_answers({"oneOf": [LOGIN_SUCCESS, SUCCESS, FAILED]})
        summary = f"Any other call: 10003 (not one of {', '.join(pbx_api.CALLS)})"
    else:
        not_post = answer("Not POST.", content(CALL_FAILED["NotPost"]))
        answers = {200: {**not_post, "headers": dict(CORS)}}
        summary = f"{method} on any call: 20001"
    call = path_param("call", "The call's name.")
    return Operation(
        method, Path("/api/v2.0.0/{call}", (call,)), pbx_api.pbx_call,
        f"pbxCall{method.capitalize()}", summary, TAG, answers,
    )  # fmt: skip


OPERATIONS: tuple[Operation, ...] = (
    _call(
        "login", "Log in for a token", [LOGIN_SUCCESS, CALL_FAILED["Login"]],
        body=_call_body(LOGIN_REQUEST, "The user and where events should go."),
    ),
    _call(
        "heartbeat", "Keep a token alive for 30 more minutes", [SUCCESS, CALL_FAILED["Heartbeat"]],
        body=_call_body(HEARTBEAT_REQUEST, "The fields given replace the session's."),
        query=(TOKEN,),
    ),
    _call("logout", "End a token's session", [SUCCESS, CALL_FAILED["Logout"]], query=(TOKEN,)),
    *(_any_call(method) for method in pbx_api.METHODS),
)  # fmt: skip
"""The three calls are cases of the one route (and of `ingest.fast_paths` before it)."""
