"""Who sends a relay heartbeat: its source address and the key it carries (hashed here)."""

import base64
import binascii

from starlette.datastructures import Headers

from ingest.source import address_of
from schemas.access import KEY_HEADER
from schemas.pbx_callback import Network
from schemas.secret_hash import secret_hash


def given_key(headers: Headers, client_id: str) -> str | None:
    """The key of HTTP Basic (user the clientId) or of `X-Hub-Key`; None without one."""
    header = headers.get(KEY_HEADER)
    if header:
        return header.strip()
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return password if user == client_id else None


def caller(
    headers: Headers, peer: str, client_id: str, proxies: tuple[Network, ...]
) -> tuple[str, str]:
    """(source address, SHA-256 of the key or "") as the owning worker checks them.

    `peer` is the connection's host (the ASGI scope's client).
    """
    key = given_key(headers, client_id)
    source = address_of(peer, headers.get("x-forwarded-for", ""), proxies)
    return source, secret_hash(key) if key else ""
