"""Read request bodies with a size bound."""

from starlette.requests import Request

from ingest.errors import BodyTooLarge


async def read_bounded(request: Request, max_bytes: int) -> bytes:
    """The whole body; raises BodyTooLarge past `max_bytes` without reading the rest."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise BodyTooLarge(f"body of {declared} bytes exceeds {max_bytes}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise BodyTooLarge(f"body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
