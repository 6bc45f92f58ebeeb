"""Admin tokens scoped to customers: read-only or read-write, managed by the operator token.

A token reads `hub_<id>_<secret>`: the id (16 hex) says where its record is (the
`admin-tokens` table, in the id's partition), and the hub keeps only the SHA-256 of
the whole token, compared in constant time. Its scope is a list of clientIds; a
route about another customer, or about no customer (bulk import, the tokens
themselves), is refused with 403.
"""

import hmac
import re
import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.secret_hash import secret_hash

PREFIX = "hub_"
ID = "[0-9a-f]{16}"
"""A token's id: 16 lowercase hex digits."""
ID_RE = re.compile(ID)
TOKEN_RE = re.compile(rf"^hub_({ID})_[A-Za-z0-9_-]{{32,64}}$")
AccessLevel = Literal["read", "write"]


class TokenBody(BaseModel):
    """Body of `POST /admin/tokens`."""

    model_config = ConfigDict(extra="forbid")

    Name: str = Field(min_length=1, max_length=100)
    ClientIds: list[str] = Field(min_length=1, max_length=1000)
    Access: AccessLevel = "read"


class AdminToken(BaseModel):
    """A scoped token as the `admin-tokens` table holds it."""

    id: str
    name: str
    client_ids: list[str]
    access: AccessLevel
    created: datetime
    token_hash: str


class AdminTokenSet(BaseModel):
    """A scoped token was created, or revoked (`token` None); `client_id` is its id."""

    kind: Literal["admin-token"] = "admin-token"
    client_id: str = Field(description="the token's id: its partition key")
    token: AdminToken | None
    at: datetime | None = None


def new_token() -> tuple[str, str]:
    """A fresh (id, token)."""
    token_id = secrets.token_hex(8)
    return token_id, f"{PREFIX}{token_id}_{secrets.token_urlsafe(32)}"


def token_id(token: str) -> str | None:
    """The id inside a scoped token; None for anything else."""
    found = TOKEN_RE.match(token)
    return found.group(1) if found else None


def matches(token: str, stored: AdminToken) -> bool:
    """Whether the token is the stored one, in constant time."""
    return hmac.compare_digest(secret_hash(token).encode(), stored.token_hash.encode())


def view(token: AdminToken) -> dict[str, object]:
    """The admin view (never the token or its hash)."""
    return {
        "Id": token.id,
        "Name": token.name,
        "ClientIds": token.client_ids,
        "Access": token.access,
        "Created": token.created.isoformat(),
    }
