"""JSON codec of the relay heartbeat contract, as the .NET service (Json.NET) writes it.

Property names and order as in the samples, enums as numbers, nulls written,
2-space indentation, dates in .NET form.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.errors import DecodeError
from schemas.json_net import canonical_heartbeats
from schemas.netdatetime import format_net_datetime
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData

DEFAULT_MAX_BYTES = 1_048_576
"""Largest body the decoders accept unless told otherwise (the same bound as codec_xml)."""

# Json.NET lists a derived type's properties before its base type's, so the lists
# come before ResponseStatus and LogMessage.
_RESPONSE_ORDER = ("InboundProfileList", "OutboundProfileList", "ResponseStatus", "LogMessage")

_UTF8_BOM = b"\xef\xbb\xbf"
_HEARTBEATS = TypeAdapter(list[ProfileHeartbeatData])


def decode_heartbeats(
    body: bytes, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[ProfileHeartbeatData]:
    """Decode a heartbeat request body (a JSON array of objects); raises DecodeError.

    Read as Json.NET reads it (`schemas.json_net`): names in any case, Microsoft dates.
    """
    _check_size(body, max_bytes)
    # .NET writers may put a UTF-8 byte order mark first; Json.NET skips it.
    parsed = loads(body.removeprefix(_UTF8_BOM))
    try:
        return _HEARTBEATS.validate_python(canonical_heartbeats(parsed))
    except ValidationError as e:
        raise DecodeError.from_validation_error(e) from e


def encode_heartbeats(items: Iterable[ProfileHeartbeatData]) -> bytes:
    """Encode heartbeats as a client sends them."""
    return orjson.dumps(
        [item.model_dump(mode="json") for item in items], option=orjson.OPT_INDENT_2
    )


def decode_response(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileListResponseData:
    """Decode a heartbeat answer; raises DecodeError."""
    _check_size(body, max_bytes)
    try:
        return ProfileListResponseData.model_validate_json(body)
    except ValidationError as e:
        raise DecodeError.from_validation_error(e) from e


def encode_response(r: ProfileListResponseData) -> bytes:
    """Encode a heartbeat answer with the sample's property order."""
    data = r.model_dump(mode="json")
    ordered = {name: data.pop(name) for name in _RESPONSE_ORDER}
    # Members a later version adds go last rather than being dropped.
    ordered.update(data)
    return orjson.dumps(ordered, option=orjson.OPT_INDENT_2)


def dumps(obj: Any, *, indent: bool = False) -> bytes:
    """Serialise to JSON bytes; models and datetimes are written in wire form."""
    option = orjson.OPT_PASSTHROUGH_DATETIME | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(obj, default=_default, option=option)


def loads(b: bytes | str) -> Any:
    """Parse JSON; raises DecodeError for the whole body when it is not JSON."""
    try:
        return orjson.loads(b)
    except orjson.JSONDecodeError as e:
        raise DecodeError("", f"invalid JSON: {e}") from e


def _default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, datetime):
        return format_net_datetime(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


def _check_size(body: bytes, max_bytes: int) -> None:
    if len(body) > max_bytes:
        raise DecodeError("", f"body is larger than {max_bytes} bytes")
