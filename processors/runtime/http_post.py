"""POSTs over kept-alive HTTP/1.1: the client of PBX event deliveries and alert channels.

A delivery is one small POST whose answer matters only by its status. aiohttp's client
costs about 85 µs of CPU per such POST (its request and response objects, payload
registry, timeout handles); this client writes the request as one buffer and reads the
status line, the headers and the body (by Content-Length, chunked, or to the end) off
an asyncio stream, about 15 µs. Connections are kept per origin (scheme, host, port),
at most `per_origin` at a time, and reused unless the answer closes them. A POST on a
reused connection that the server had closed meanwhile (nothing answered) is sent
again once on a new one, as browsers and aiohttp do; deliveries are at least once.
Redirects are not followed; `https` uses the system's trusted certificates.
"""

import asyncio
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from schemas.pbx_callback import Network, denied_address

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 1024 * 1024
"""An answer's body is read to reuse the connection; a bigger one closes it instead."""


class ProtocolError(Exception):
    """The server's answer is not HTTP/1.x as this client reads it."""


Origin = tuple[str, str, int]
Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


@dataclass(frozen=True, slots=True)
class _Target:
    origin: Origin
    host_header: str
    path: str


@dataclass
class HttpPoster:
    """POSTs with a total time bound each; `close()` closes the idle connections."""

    timeout_s: float
    per_origin: int = 8
    _idle: dict[Origin, list[Connection]] = field(default_factory=dict)
    _slots: dict[Origin, asyncio.Semaphore] = field(default_factory=dict)
    _tls: ssl.SSLContext | None = None

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        """The answer's status; raises TimeoutError, OSError or ProtocolError. The time
        bound covers waiting for a connection too."""
        target = _target(url)
        request = _request(target, body, headers)
        slots = self._slots.setdefault(target.origin, asyncio.Semaphore(self.per_origin))
        async with asyncio.timeout(self.timeout_s), slots:
            conn, reused = await self._connection(target.origin)
            try:
                status, keep = await _exchange(conn, request)
            except (ConnectionError, asyncio.IncompleteReadError) as e:
                conn[1].close()
                if not reused or _answered(e):
                    raise
                conn = await self._open(target.origin)  # the server had closed it
                status, keep = await _exchange_or_close(conn, request)
            except BaseException:
                conn[1].close()
                raise
        if keep:
            self._idle.setdefault(target.origin, []).append(conn)
        else:
            conn[1].close()
        return status

    async def _connection(self, origin: Origin) -> tuple[Connection, bool]:
        idle = self._idle.get(origin)
        while idle:
            conn = idle.pop()
            if not conn[0].at_eof() and not conn[1].is_closing():
                return conn, True
            conn[1].close()
        return await self._open(origin), False

    async def _open(self, origin: Origin) -> Connection:
        scheme, host, port = origin
        if scheme != "https":
            return await asyncio.open_connection(host, port, limit=MAX_HEAD_BYTES)
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return await asyncio.open_connection(
            host, port, ssl=self._tls, server_hostname=host, limit=MAX_HEAD_BYTES
        )

    async def close(self) -> None:
        """Close every idle connection."""
        for conns in self._idle.values():
            for _, writer in conns:
                writer.close()
        self._idle.clear()


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    scheme, host = parts.scheme.lower(), parts.hostname
    if scheme not in ("http", "https") or not host:
        raise ProtocolError(f"not an http(s) URL: {url[:100]}")
    default = 443 if scheme == "https" else 80
    port = parts.port or default
    named = f"[{host}]" if ":" in host else host
    host_header = named if port == default else f"{named}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target((scheme, host, port), host_header, path)


def _request(target: _Target, body: bytes, headers: Mapping[str, str]) -> bytes:
    lines = [f"POST {target.path} HTTP/1.1", f"Host: {target.host_header}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _answered(e: BaseException) -> bool:
    """Whether part of an answer came before the connection failed (then never resent)."""
    return isinstance(e, asyncio.IncompleteReadError) and bool(e.partial)


async def _exchange_or_close(conn: Connection, request: bytes) -> tuple[int, bool]:
    try:
        return await _exchange(conn, request)
    except BaseException:
        conn[1].close()
        raise


async def _exchange(conn: Connection, request: bytes) -> tuple[int, bool]:
    """Send, read the whole answer; its status and whether the connection stays usable."""
    reader, writer = conn
    writer.write(request)
    await writer.drain()
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as e:
        raise ProtocolError("the answer's head is too long") from e
    status, version, fields = _head(head)
    keep = version == b"HTTP/1.1" and fields.get("connection", "").lower() != "close"
    if status in (204, 304) or 100 <= status < 200:
        return status, keep
    return status, await _read_body(reader, fields) and keep


def _head(head: bytes) -> tuple[int, bytes, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    code = rest[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:100]!r}")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return int(code), version.encode(), fields


async def _read_body(reader: asyncio.StreamReader, fields: Mapping[str, str]) -> bool:
    """Read and drop the body; whether the connection can carry another request."""
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return await _read_chunked(reader)
    length = fields.get("content-length")
    if length is None:
        await reader.read(MAX_BODY_BYTES)  # to the end: the connection closes
        return False
    if not length.isdigit():
        raise ProtocolError(f"bad Content-Length: {length[:20]!r}")
    if int(length) > MAX_BODY_BYTES:
        return False
    await reader.readexactly(int(length))
    return True


async def _read_chunked(reader: asyncio.StreamReader) -> bool:
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as e:
            raise ProtocolError("bad chunk size") from e
        total += size
        if total > MAX_BODY_BYTES:
            return False
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":
                pass  # a trailer field
            return True
        await reader.readexactly(size + 2)


async def resolves_denied(url: str, denied: tuple[Network, ...]) -> bool:
    """Whether the URL's host name resolves into a denied network (a literal address is
    the caller's to check; an unresolvable name is not denied: the POST reports it)."""
    host = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(host)
        return False
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    except OSError:
        return False
    return any(denied_address(str(info[4][0]), denied) for info in infos)
