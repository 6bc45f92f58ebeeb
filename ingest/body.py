"""Read request bodies with a size bound."""

from collections.abc import AsyncIterator

from starlette.datastructures import Headers
from starlette.requests import Request

from ingest.errors import BodyTooLarge


async def read_bounded(request: Request, max_bytes: int) -> bytes:
    """The whole body; raises BodyTooLarge past `max_bytes` without reading the rest."""
    return await read_chunks(request.headers, request.stream(), max_bytes)


async def read_chunks(headers: Headers, chunks: AsyncIterator[bytes], max_bytes: int) -> bytes:
    """`read_bounded` over the request's headers and its body's chunks."""
    declared = headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"body of {declared} bytes exceeds {max_bytes}")
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"body exceeds {max_bytes} bytes")
        parts.append(chunk)
    return b"".join(parts)
