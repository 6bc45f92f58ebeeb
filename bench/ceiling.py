"""The ceiling of the ingress's server stack: a bare ASGI app answering 20 bytes of JSON."""

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

BODY = b'{"status":"ok-ok-ok"}'[:20]
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Drain the request, answer BODY."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"20")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})
