"""Who may send a customer's relay heartbeats: an optional key and optional source networks.

A customer without either accepts heartbeats as before, so existing clients keep
working. With a key, a heartbeat must carry it, as HTTP Basic (user the clientId,
password the key) or in `X-Hub-Key`; with networks, it must come from one of them.
The hub keeps only the key's SHA-256 (keys are at least 24 characters).
"""

import hmac
import ipaddress
from datetime import datetime
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.pbx_callback import Network, in_networks, networks

KEY_HEADER = "X-Hub-Key"


class AccessBody(BaseModel):
    """Body of `PUT /admin/customers/{clientId}/access`."""

    model_config = ConfigDict(extra="forbid")

    Key: str | None = Field(default=None, min_length=24, max_length=200)
    AllowedNetworks: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("AllowedNetworks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        return [str(ipaddress.ip_network(v.strip(), strict=False)) for v in value]


class CustomerAccess(BaseModel):
    """A customer's relay access as the `customer-access` table holds it."""

    key_hash: str | None = None
    networks: list[str] = Field(default_factory=list)


class AccessSet(BaseModel):
    """The customer's relay access was set (empty: open, as by default)."""

    kind: Literal["access"] = "access"
    client_id: str
    access: CustomerAccess
    at: datetime | None = None


def refusal(access: CustomerAccess | None, source: str, given_hash: str) -> int | None:
    """401 without the right key, 403 from a network not allowed; None when allowed."""
    if access is None:
        return None
    if access.key_hash is not None and not hmac.compare_digest(
        given_hash.encode(), access.key_hash.encode()
    ):
        return 401
    if access.networks and not _within(source, access.networks):
        return 403
    return None


def _within(source: str, allowed: list[str]) -> bool:
    return in_networks(source, _parsed(tuple(allowed)))


@lru_cache(maxsize=4096)
def _parsed(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    """Parsed once per list of networks, not on every heartbeat."""
    return networks(allowed)


def view(access: CustomerAccess | None) -> dict[str, object]:
    """The admin view: whether a key is set (never the key) and the networks."""
    access = access or CustomerAccess()
    return {"KeySet": access.key_hash is not None, "AllowedNetworks": access.networks}
