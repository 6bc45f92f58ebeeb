"""Where a PBX API session's events go: the callback URL, and the networks refused.

urltag 0 (the default): `url` is a path on the caller, `http://{ipaddr}:{port}/{url}`;
urltag 1: `url` is absolute, `http://` added when it names no scheme; no `url`:
`http://{ipaddr}:{port}/`. The port defaults to 8260.
"""

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORT = 8260
DEFAULT_DENIED = (
    "127.0.0.0/8",
    "::1/128",
    "169.254.0.0/16",
    "fe80::/10",
    "fd00:ec2::254/128",
    "0.0.0.0/8",
    "::/128",
    "224.0.0.0/4",
    "ff00::/8",
)
"""Loopback, link-local (with the cloud metadata address), unspecified and multicast."""

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def callback_url(ipaddr: str, port: int, url: str | None, urltag: int) -> str:
    """The URL events are posted to."""
    if url and urltag == 1:
        return url if "://" in url else f"http://{url}"
    host = f"[{ipaddr}]" if ":" in ipaddr else ipaddr
    return f"http://{host}:{port}/{(url or '').lstrip('/')}"


def networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Parsed networks; raises ValueError naming a malformed one."""
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def denied_address(address: str, denied: tuple[Network, ...]) -> bool:
    """Whether an IP address literal lies in a denied network (False for a host name)."""
    return in_networks(address, denied)


def in_networks(address: str, nets: tuple[Network, ...]) -> bool:
    """Whether an IP address literal (bracketed or not; IPv4-mapped IPv6 as its IPv4) lies
    in one of `nets`; False for anything that is not an address."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in net for net in nets)


def denied_url(url: str, denied: tuple[Network, ...]) -> bool:
    """Whether a callback URL names a denied address, or is not an http(s) URL at all.

    Host names are resolved and checked again at delivery, so a name that points at a
    denied network later is refused there.
    """
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port
    except ValueError:
        return True
    if parts.scheme not in ("http", "https") or not host:
        return True
    if host.lower() == "localhost":
        host = "127.0.0.1"
    return denied_address(host, denied)
