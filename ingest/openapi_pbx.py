"""The OpenAPI paths of the PBX API, its event URLs, and the admin API of PBXes."""

from ingest.openapi_parts import (
    NOT_ROUTED,
    admin_operation,
    answer,
    content,
    header,
    json_body,
    operation,
    param,
    path_param,
)
from ingest.openapi_schemas import Schema, obj, ref, request, response
from ingest.pbx_api import CALLS, CORS, METHODS
from schemas.pbx import ApiUserBody, PbxConfig, PbxView
from schemas.pbx_errno import MEANING, Errno
from schemas.pbx_events import MAX_EVENT_BYTES, VERSIONS
from schemas.pbx_requests import MAX_FIELD
from schemas.pbx_upstream import UpstreamBody, UpstreamView

PBX = "/admin/customers/{clientId}/pbxes/{pbxId}"
ADMIN = "admin: PBXes"
API = "PBX API"
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


def _errno_schema() -> Schema:
    table = "\n".join(f"- `{e.value}`: {MEANING[e]}" for e in Errno)
    return {"type": "string", "enum": [e.value for e in Errno], "description": table}


def _failed(errnos: tuple[Errno, ...], description: str) -> Schema:
    return {
        "description": description,
        "allOf": [ref("PbxFailed")],
        "properties": {"errno": {"enum": [e.value for e in errnos]}},
    }


def _text_field(description: str) -> Schema:
    return {"type": ["string", "integer"], "maxLength": MAX_FIELD, "description": description}


def _callback_fields() -> Schema:
    return {
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


def _requests() -> dict[str, Schema]:
    login = {
        "username": _text_field("An API user of a PBX."),
        "password": {
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "The MD5 of the password, 32 lowercase hex digits.",
        },
        **_callback_fields(),
    }
    return {
        "PbxLoginRequest": obj(login, ("username", "password")),
        "PbxHeartbeatRequest": obj(_callback_fields(), ("ipaddr",)),
        "PbxEventReport": {
            "type": "object",
            "description": "A PBX's event report: `event` names it (v2.0.0), `action` (v1.0.0).",
            "anyOf": [
                {
                    "required": ["event"],
                    "properties": {"event": {"type": "string", "minLength": 1}},
                },
                {
                    "required": ["action"],
                    "properties": {"action": {"type": "string", "minLength": 1}},
                },
            ],
        },
    }


def _answers() -> dict[str, Schema]:
    success = {"status": {"type": "string", "const": "Success"}}
    token = {"type": "string", "pattern": "^[0-9a-f]{32}$", "description": "lives 30 minutes"}
    login = {**success, "token": token, "transport": {"type": "string", "const": "HTTP"}}
    failed = {"status": {"type": "string", "const": "Failed"}, "errno": ref("PbxErrno")}
    return {
        "PbxErrno": _errno_schema(),
        "PbxSuccess": obj(success, ("status",), additionalProperties=False),
        "PbxLoginSuccess": obj(login, tuple(login), additionalProperties=False),
        "PbxFailed": obj(failed, ("status", "errno"), additionalProperties=False),
        **{f"Pbx{call}Failed": _failed(e, f"{call}'s failures.") for call, e in ERRNOS.items()},
        "PbxUnavailable": _failed((E.API_ERROR,), "Not recorded: call again."),
    }


def pbx_schemas() -> dict[str, Schema]:
    """The PBX API's bodies: no pydantic model describes them, they are read field by field."""
    return {**_requests(), **_answers()}


def pbx_headers() -> dict[str, Schema]:
    """The PBX's permissive CORS headers, on every PBX API answer."""
    return {
        name.replace("-", ""): {"schema": {"type": "string", "const": value}}
        for name, value in CORS.items()
    }


def _cors(**more: Schema) -> dict[str, Schema]:
    return {n.replace("-", "_"): header(n.replace("-", "")) for n in CORS} | more


def _call_answers(ok: Schema) -> Schema:
    unavailable = content(ref("PbxUnavailable"))
    return {
        "200": answer(
            "Every answer but 30001 is HTTP 200: Success, or Failed with an errno.",
            content(ok),
            **_cors(),
        ),
        "503": answer(
            "Kafka or the workers did not take the call (errno 30001).",
            unavailable,
            **_cors(Retry_After=header("RetryAfter")),
        ),
    }


def _token_param() -> Schema:
    return {
        "name": "token",
        "in": "query",
        "required": False,
        "description": "The login's token (20005 when missing or empty, 20004 when unknown).",
        "schema": {"type": "string"},
    }


def _call_body(schema: Schema, description: str) -> Schema:
    body = json_body(schema, description + " Content-Type is not required.")
    body["required"] = False  # an empty body is an answer too: 20009
    return body


def _login() -> Schema:
    ok = {"oneOf": [ref("PbxLoginSuccess"), ref("PbxLoginFailed")]}
    body = _call_body(ref("PbxLoginRequest"), "The user and where events should go.")
    return operation("pbxLogin", "Log in for a token", API, _call_answers(ok), body=body)


def _heartbeat() -> Schema:
    ok = {"oneOf": [ref("PbxSuccess"), ref("PbxHeartbeatFailed")]}
    body = _call_body(ref("PbxHeartbeatRequest"), "The fields given replace the session's.")
    return operation(
        "pbxHeartbeat",
        "Keep a token alive for 30 more minutes",
        API,
        _call_answers(ok),
        body=body,
        params=[_token_param()],
    )


def _logout() -> Schema:
    ok = {"oneOf": [ref("PbxSuccess"), ref("PbxLogoutFailed")]}
    return operation(
        "pbxLogout", "End a token's session", API, _call_answers(ok), params=[_token_param()]
    )


def _any_call(method: str) -> Schema:
    if method == "POST":
        ok = {"oneOf": [ref("PbxLoginSuccess"), ref("PbxSuccess"), ref("PbxFailed")]}
        responses = _call_answers(ok)
        summary = f"Any other call: 10003 (not one of {', '.join(CALLS)})"
    else:
        responses = {"200": answer("Not POST.", content(ref("PbxNotPostFailed")), **_cors())}
        summary = f"{method} on any call: 20001"
    return operation(f"pbxCall{method.capitalize()}", summary, API, responses)


def pbx_api_paths() -> dict[str, Schema]:
    """`/api/v2.0.0/login`, `heartbeat`, `logout`, and every other call and method."""
    any_call = {m.lower(): _any_call(m) for m in METHODS}
    call = path_param("call", "The call's name.")
    return {
        "/api/v2.0.0/login": {"post": _login()},
        "/api/v2.0.0/heartbeat": {"post": _heartbeat()},
        "/api/v2.0.0/logout": {"post": _logout()},
        "/api/v2.0.0/{call}": {"parameters": [call], **any_call},
    }


def _event_answers() -> Schema:
    err = content(ref("Error"))
    routed = content(ref("Error"))
    return {
        "200": answer(
            "Recorded: every live session of the PBX will get it.", content(ref("PbxSuccess"))
        ),
        "400": answer("Not an event report (not published).", err),
        "404": answer("A wrong secret or a removed PBX." + NOT_ROUTED, routed),
        "413": answer(f"Larger than {MAX_EVENT_BYTES} bytes.", err),
        "503": answer(
            "Not recorded: the PBX sends it again.", err, Retry_After=header("RetryAfter")
        ),
    }


def events_paths() -> dict[str, Schema]:
    """`POST /api/pbx/{clientId}/{pbxId}/events/{secret}`: the PBX view's `EventUrl`."""
    params = [
        param("ClientId"),
        path_param("pbxId", "The PBX's id."),
        path_param("secret", "The secret of the PBX's event URL."),
    ]
    body = json_body(ref("PbxEventReport"), "The report. Content-Type is not checked.")
    post = operation(
        "postPbxEvent", "A PBX's event report", "PBX events", _event_answers(), body=body
    )
    return {"/api/pbx/{clientId}/{pbxId}/events/{secret}": {"parameters": params, "post": post}}


def _pbx_view(what: str = "The PBX view.") -> Schema:
    return {"200": answer(what, content(response(PbxView)))}


def _gone(what: str) -> Schema:
    return {"204": answer(what)}


def _pbx_path() -> Schema:
    return {
        "parameters": [param("ClientId"), param("PbxId")],
        "put": admin_operation(
            "putPbx",
            "Create or change a PBX of an existing customer",
            ADMIN,
            _pbx_view(),
            (400, 404, 413),
            body=json_body(request(PbxConfig), "The PBX."),
        ),
        "get": admin_operation(
            "getPbx",
            "The PBX, its event URL, API users and sessions",
            ADMIN,
            _pbx_view(),
            (400, 404),
        ),
        "delete": admin_operation(
            "deletePbx",
            "Remove a PBX: its sessions end, its users are released",
            ADMIN,
            _gone("Removed; its event URL answers 404."),
            (400, 404),
        ),
    }


def pbx_admin_paths() -> dict[str, Schema]:
    """A PBX, its API users and its upstream connection."""
    return {
        PBX: _pbx_path(),
        f"{PBX}/api-users/{{username}}": _api_user_path(),
        f"{PBX}/upstream": _upstream_path(),
    }


def _api_user_path() -> Schema:
    return {
        "parameters": [param("ClientId"), param("PbxId"), param("Username")],
        "put": admin_operation(
            "putApiUser",
            "Create an API user, or change its password",
            ADMIN,
            _pbx_view(),
            (400, 404, 409, 413),
            body=json_body(request(ApiUserBody), "The password in clear; only a hash is kept."),
            description="409 when another PBX has the username.",
        ),
        "delete": admin_operation(
            "deleteApiUser", "Remove an API user; its sessions end", ADMIN, _pbx_view(), (400, 404)
        ),
    }


def _upstream_path() -> Schema:
    view = {"200": answer("The connection and its state.", content(response(UpstreamView)))}
    return {
        "parameters": [param("ClientId"), param("PbxId")],
        "put": admin_operation(
            "putUpstream",
            "Connect the hub to the PBX as its application server",
            ADMIN,
            view,
            (400, 404, 413),
            body=json_body(request(UpstreamBody), "Where the PBX is and how to log in."),
            description="The owning worker logs in at once. 503 also when the hub has no"
            " `HUB_SECRET_KEY` to seal the password with.",
        ),
        "get": admin_operation("getUpstream", "The connection", ADMIN, view, (400, 404)),
        "delete": admin_operation(
            "deleteUpstream",
            "Disconnect: log out of the PBX, then forget the connection",
            ADMIN,
            _gone("Disconnected."),
            (400, 404),
        ),
    }


def paths() -> dict[str, Schema]:
    """Every PBX path."""
    return {**pbx_admin_paths(), **pbx_api_paths(), **events_paths()}
