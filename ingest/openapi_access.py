"""The OpenAPI paths of who may call: customers' relay access, and scoped admin tokens."""

from ingest.openapi_parts import admin_operation, answer, content, json_body, param, path_param
from ingest.openapi_schemas import Schema, obj, ref, request
from schemas.access import KEY_HEADER, AccessBody
from schemas.admin_tokens import ID, TOKEN_RE, TokenBody

TAG = "admin: access and tokens"
ID_PATTERN = f"^{ID}$"


def access_schemas() -> dict[str, Schema]:
    """The views `schemas.access.view` and `schemas.admin_tokens.view` write."""
    strings = {"type": "array", "items": {"type": "string"}}
    token = {
        "Id": {"type": "string", "pattern": ID_PATTERN},
        "Name": {"type": "string"},
        "ClientIds": strings,
        "Access": {"type": "string", "enum": ["read", "write"]},
        "Created": {"type": "string", "format": "date-time"},
    }
    return {
        "RelayAccess": obj(
            {"KeySet": {"type": "boolean"}, "AllowedNetworks": strings},
            ("KeySet", "AllowedNetworks"),
            description="Whether the customer's relay clients need a key (never the key), and"
            " the networks they may call from (none: any).",
        ),
        "AdminTokenView": obj(token, tuple(token), description="A scoped token, never its secret."),
        "AdminTokenCreated": {
            "allOf": [ref("AdminTokenView")],
            "properties": {"Token": {"type": "string", "pattern": TOKEN_RE.pattern}},
            "required": ["Token"],
            "description": "The new token, answered this once: only its SHA-256 is kept.",
        },
    }


def relay_security() -> dict[str, Schema]:
    """How relay clients of a customer with a key send it."""
    return {
        "relayKey": {"type": "apiKey", "in": "header", "name": KEY_HEADER},
        "relayBasic": {
            "type": "http",
            "scheme": "basic",
            "description": "User the clientId, password the customer's relay key.",
        },
    }


def _access_view() -> Schema:
    body = content(ref("RelayAccess"))
    return {
        "200": answer("The customer's relay access.", body),
        "202": answer("Durable, not yet visible after `HUB_APPLY_WAIT_S`: as it is now.", body),
    }


def access_path() -> Schema:
    """`/admin/customers/{clientId}/access`."""
    body = json_body(
        request(AccessBody),
        "Replaces both: send the key again to keep it. Networks in CIDR form.",
    )
    return {
        "parameters": [param("ClientId")],
        "put": admin_operation(
            "putAccess",
            "Require a key, networks, or both, of the customer's relay clients",
            TAG,
            _access_view(),
            (400, 404, 413),
            body=body,
        ),
        "get": admin_operation(
            "getAccess", "The customer's relay access", TAG, _access_view(), (404,)
        ),
        "delete": admin_operation(
            "deleteAccess",
            "Accept the customer's heartbeats without a key, from anywhere (the default)",
            TAG,
            _access_view(),
            (404,),
        ),
    }


ONLY_OPERATOR = "The operator's token only: a scoped token is 403 here."


def _token_path() -> Schema:
    view = {"200": answer("The token.", content(ref("AdminTokenView")))}
    return {
        "parameters": [path_param("tokenId", "The token's id (its `Id`).")],
        "get": admin_operation(
            "getToken", "A token's name, customers and access", TAG, view, (404,)
        ),
        "delete": admin_operation(
            "deleteToken",
            "Revoke a token at once",
            TAG,
            {"204": answer("Revoked.")},
            (404,),
            description=ONLY_OPERATOR,
        ),
    }


def _token_paths() -> dict[str, Schema]:
    created = {"201": answer("The new token.", content(ref("AdminTokenCreated")))}
    post = admin_operation(
        "postToken",
        "Create a token scoped to customers, read-only or read-write",
        TAG,
        created,
        (400, 413),
        body=json_body(request(TokenBody), "Its name, customers and access."),
        description=ONLY_OPERATOR,
    )
    return {"/admin/tokens": {"post": post}, "/admin/tokens/{tokenId}": _token_path()}


def paths() -> dict[str, Schema]:
    """Relay access and admin tokens."""
    return {"/admin/customers/{clientId}/access": access_path(), **_token_paths()}
