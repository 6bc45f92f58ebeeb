"""The address a request came from, believing X-Forwarded-For only from trusted proxies."""

import ipaddress
from functools import lru_cache

from starlette.requests import Request

from schemas.pbx_callback import Network

ADDRESS_CACHE = 65_536


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def _canonical(address: str) -> str:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address.strip()
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.compressed


def source_address(request: Request, proxies: tuple[Network, ...]) -> str:
    """The peer's address; behind trusted proxies, the last forwarded hop they did not add."""
    host = request.client.host if request.client else ""
    return address_of(host, request.headers.get("x-forwarded-for", ""), proxies)


@lru_cache(maxsize=ADDRESS_CACHE)
def address_of(host: str, forwarded_for: str, proxies: tuple[Network, ...]) -> str:
    """`source_address` from the peer's host and the X-Forwarded-For header's value.

    Cached: parsing addresses was about 5 % of the ingress's CPU per heartbeat, and a
    relay client heartbeats from the same address (and proxy chain) every time.
    """
    peer = _canonical(host)
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [_canonical(h) for h in forwarded_for.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            return hop
    return peer
