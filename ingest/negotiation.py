"""Content negotiation for the relay API: JSON or DataContract XML, in and out."""

from dataclasses import dataclass

from ingest.errors import UnsupportedMediaType
from schemas.wire import Format

__all__ = ["Format", "Negotiated", "negotiate"]

MEDIA_TYPES: dict[str, Format] = {
    "application/json": Format.JSON,
    "text/json": Format.JSON,
    "application/xml": Format.XML,
    "text/xml": Format.XML,
}


@dataclass(frozen=True, slots=True)
class Negotiated:
    """How to read the request and how to write the answer."""

    request: Format
    response: Format
    response_type: str

    @property
    def content_type(self) -> str:
        """The answer's Content-Type header."""
        return f"{self.response_type}; charset=utf-8"


def media_type(header: str | None) -> str:
    """The bare media type of a header value, lowercased, parameters dropped."""
    return (header or "").split(";", 1)[0].strip().lower()


def request_format(content_type: str | None) -> Format:
    """The request body's format; raises UnsupportedMediaType for anything else."""
    mt = media_type(content_type)
    if mt not in MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type '{mt or '(none)'}' is not supported; "
            "send application/json, text/json, application/xml or text/xml."
        )
    return MEDIA_TYPES[mt]


def _accepted(accept: str) -> list[tuple[float, int, str]]:
    ranked = []
    for i, part in enumerate(accept.split(",")):
        mt, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        ranked.append((-q, i, mt.lower()))
    return sorted(r for r in ranked if r[0] < 0)


def response_type(accept: str | None, fallback: str) -> tuple[Format, str]:
    """The answer's format and media type: the best one `Accept` names, else `fallback`.

    `*/*`, an absent header or only unsupported types fall back, as ASP.NET Web API
    does, rather than answering 406 to a client that would not expect it.
    """
    for _, _, mt in _accepted(accept or ""):
        if mt in MEDIA_TYPES:
            return MEDIA_TYPES[mt], mt
    return MEDIA_TYPES[fallback], fallback


def negotiate(content_type: str | None, accept: str | None) -> Negotiated:
    """Both directions at once; raises UnsupportedMediaType for the request's type."""
    req = request_format(content_type)
    fmt, mt = response_type(accept, media_type(content_type))
    return Negotiated(req, fmt, mt)


def error_format(accept: str | None, content_type: str | None) -> Negotiated:
    """How to answer a request that failed before its body was read: best effort."""
    mt = media_type(content_type)
    fmt, out = response_type(accept, mt if mt in MEDIA_TYPES else "application/json")
    return Negotiated(fmt, fmt, out)
