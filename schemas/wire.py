"""The relay API's two wire formats, one name each, and their codecs behind one switch."""

from enum import Enum

from schemas import codec_json, codec_xml
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData


class Format(Enum):
    """The two wire formats of the relay API."""

    JSON = "json"
    XML = "xml"


def decode_heartbeats(fmt: Format, body: bytes, max_bytes: int) -> list[ProfileHeartbeatData]:
    """The heartbeat entries of a request body; raises DecodeError naming the field."""
    if fmt is Format.JSON:
        return codec_json.decode_heartbeats(body, max_bytes)
    return codec_xml.decode_heartbeats(body, max_bytes)


def encode_response(fmt: Format, answer: ProfileListResponseData) -> bytes:
    """The answer in the given wire format."""
    if fmt is Format.JSON:
        return codec_json.encode_response(answer)
    return codec_xml.encode_response(answer)
