"""The internal contract between the ingress and the responder in each worker.

`POST /hub/heartbeat/{clientId}` carries the client's body as it came, its format and
the answer's format in `FORMATS_HEADER` (`json/xml`: request, then answer). The owning
worker decodes it, answers from its tables, publishes the heartbeat (acks=all) and
only then answers 200 with the answer's wire bytes. Anything else is a small JSON
`{"error": "..."}` with 400 (bad body), 401 (no or wrong key), 403 (source network not
allowed), 404 (unknown client) or 503 (retry), which the
ingress turns into a Failure answer in the client's own format.
"""

from schemas.wire import Format

FORWARDED_HEADER = "X-Hub-Forwarded"
FORMATS_HEADER = "X-Hub-Formats"
SOURCE_HEADER = "X-Hub-Source"
"""The client's address, as the ingress judged it (trusted proxies considered)."""
KEY_HASH_HEADER = "X-Hub-Key-Hash"
"""SHA-256 of the key the client sent (empty without one): the key never leaves the ingress."""


def formats_header(request: Format, answer: Format) -> str:
    """The header value naming both formats."""
    return f"{request.value}/{answer.value}"


def parse_formats(value: str | None) -> tuple[Format, Format]:
    """Both formats from the header; raises ValueError when it is malformed."""
    req, _, ans = (value or "").partition("/")
    return Format(req), Format(ans)
