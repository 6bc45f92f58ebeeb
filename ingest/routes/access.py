"""Who may call: customers' relay access and scoped admin tokens, as routed and documented."""

from ingest import access_admin, tokens_admin
from ingest.operation import Operation, Path, Schema, request
from ingest.routes.admin_parts import admin_operation
from ingest.routes.params import CUSTOMER
from ingest.routes.parts import answer, content, json_body, obj, path_param, schema
from schemas.access import AccessBody
from schemas.admin_tokens import ID, TOKEN_RE, TokenBody

TAG = "admin: access and tokens"
ACCESS = CUSTOMER.child("/access")
TOKENS = Path("/admin/tokens")
TOKEN = TOKENS.child("/{tokenId}", path_param("tokenId", "The token's id (its `Id`)."))
STRINGS = {"type": "array", "items": {"type": "string"}}
RELAY_ACCESS = schema(
    "RelayAccess",
    obj(
        {"KeySet": {"type": "boolean"}, "AllowedNetworks": STRINGS},
        ("KeySet", "AllowedNetworks"),
        description="Whether the customer's relay clients need a key (never the key), and"
        " the networks they may call from (none: any).",
    ),
)
"""What `schemas.access.view` writes."""
TOKEN_FIELDS = {
    "Id": {"type": "string", "pattern": f"^{ID}$"},
    "Name": {"type": "string"},
    "ClientIds": STRINGS,
    "Access": {"type": "string", "enum": ["read", "write"]},
    "Created": {"type": "string", "format": "date-time"},
}
TOKEN_VIEW = schema(
    "AdminTokenView",
    obj(TOKEN_FIELDS, tuple(TOKEN_FIELDS), description="A scoped token, never its secret."),
)
"""What `schemas.admin_tokens.view` writes."""
TOKEN_CREATED = schema(
    "AdminTokenCreated",
    {
        "allOf": [TOKEN_VIEW],
        "properties": {"Token": {"type": "string", "pattern": TOKEN_RE.pattern}},
        "required": ["Token"],
        "description": "The new token, answered this once: only its SHA-256 is kept.",
    },
)
ONLY_OPERATOR = "The operator's token only: a scoped token is 403 here."


def _access_view() -> dict[int, Schema]:
    body = content(RELAY_ACCESS)
    return {
        200: answer("The customer's relay access.", body),
        202: answer("Durable, not yet visible after `HUB_APPLY_WAIT_S`: as it is now.", body),
    }


ACCESS_BODY = json_body(
    request(AccessBody), "Replaces both: send the key again to keep it. Networks in CIDR form."
)
OPERATIONS: tuple[Operation, ...] = (
    admin_operation(
        "PUT", ACCESS, access_admin.put_access, "putAccess",
        "Require a key, networks, or both, of the customer's relay clients",
        tag=TAG, ok=_access_view(), errors=(400, 404, 413), body=ACCESS_BODY,
    ),
    admin_operation(
        "GET", ACCESS, access_admin.get_access, "getAccess", "The customer's relay access",
        tag=TAG, ok=_access_view(), errors=(404,),
    ),
    admin_operation(
        "DELETE", ACCESS, access_admin.delete_access, "deleteAccess",
        "Accept the customer's heartbeats without a key, from anywhere (the default)",
        tag=TAG, ok=_access_view(), errors=(404,),
    ),
    admin_operation(
        "POST", TOKENS, tokens_admin.post_token, "postToken",
        "Create a token scoped to customers, read-only or read-write",
        tag=TAG, ok={201: answer("The new token.", content(TOKEN_CREATED))}, errors=(400, 413),
        body=json_body(request(TokenBody), "Its name, customers and access."),
        description=ONLY_OPERATOR,
    ),
    admin_operation(
        "GET", TOKEN, tokens_admin.get_token, "getToken", "A token's name, customers and access",
        tag=TAG, ok={200: answer("The token.", content(TOKEN_VIEW))}, errors=(404,),
    ),
    admin_operation(
        "DELETE", TOKEN, tokens_admin.delete_token, "deleteToken", "Revoke a token at once",
        tag=TAG, ok={204: answer("Revoked.")}, errors=(404,), description=ONLY_OPERATOR,
    ),
)  # fmt: skip
