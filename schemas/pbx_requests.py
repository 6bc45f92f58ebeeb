"""The bodies of the PBX API's login and heartbeat, read as the page and its clients send them.

Content-Type is not required (Yeastar's own sample sends none). A port is a number or
a string of digits; `urltag` is 0 or 1, as a number or a string; `version` is 1.0.0
(the default) or 2.0.0. Which errno each fault gets is in `blank_or_object` and the
README's table.
"""

from typing import Any

import orjson
from pydantic import BaseModel, Field

from schemas.pbx_callback import DEFAULT_PORT, callback_url
from schemas.pbx_errno import Errno, PbxFailure
from schemas.pbx_events import V1, VERSIONS

MAX_FIELD = 512


class Callback(BaseModel):
    """Where a session's events go and in which version; None leaves a field as it was."""

    ipaddr: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    url: str | None = None
    urltag: int | None = Field(default=None, ge=0, le=1)
    version: str | None = None


class LoginRequest(BaseModel):
    """`POST /api/v2.0.0/login`."""

    username: str
    password: str
    callback: Callback


def blank_or_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; PbxFailure for an empty, non-JSON or data-less body."""
    text = body.strip()
    if not text:
        raise PbxFailure(Errno.BLANK_REQUEST)
    if text.startswith(b"<"):
        raise PbxFailure(Errno.XML_NOT_SUPPORTED)
    try:
        doc = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise PbxFailure(Errno.NOT_JSON) from e
    if doc in ({}, None, [], ""):
        raise PbxFailure(Errno.BLANK_DATA)
    if not isinstance(doc, dict):
        raise PbxFailure(Errno.NOT_JSON)
    return doc


def _text(doc: dict[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PbxFailure(Errno.UNSUPPORTED_REQUEST, f"'{name}' must be a string")
    text = str(value).strip()
    if len(text) > MAX_FIELD:
        raise PbxFailure(Errno.UNSUPPORTED_REQUEST, f"'{name}' is too long")
    return text or None


def _port(doc: dict[str, Any]) -> int | None:
    value = _text(doc, "port")
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= 65535:
        raise PbxFailure(Errno.WRONG_PORT)
    return int(value)


def callback_fields(doc: dict[str, Any]) -> Callback:
    """The optional callback fields of a login or heartbeat."""
    urltag = _text(doc, "urltag")
    if urltag not in (None, "0", "1"):
        raise PbxFailure(Errno.UNSUPPORTED_REQUEST, "'urltag' must be 0 or 1")
    version = _text(doc, "version")
    if version is not None and version not in VERSIONS:
        raise PbxFailure(Errno.UNSUPPORTED_REQUEST, "'version' must be 1.0.0 or 2.0.0")
    ipaddr = _text(doc, "ipaddr")
    return Callback(
        ipaddr=ipaddr.strip("[]") if ipaddr else None,
        port=_port(doc),
        url=_text(doc, "url"),
        urltag=None if urltag is None else int(urltag),
        version=version,
    )


def login_request(body: bytes) -> LoginRequest:
    """A login's fields; PbxFailure with the errno of the first fault."""
    doc = blank_or_object(body)
    username, password = _text(doc, "username"), _text(doc, "password")
    if username is None or password is None:
        raise PbxFailure(Errno.REQUIRED_BLANK, "username and password are required")
    return LoginRequest(username=username, password=password, callback=callback_fields(doc))


def heartbeat_request(body: bytes) -> Callback:
    """A heartbeat's fields; `ipaddr` is required."""
    fields = callback_fields(blank_or_object(body))
    if fields.ipaddr is None:
        raise PbxFailure(Errno.REQUIRED_BLANK, "ipaddr is required")
    return fields


def merged(current: Callback, change: Callback) -> Callback:
    """A session's callback after a heartbeat: the fields given replace the ones held."""
    given = change.model_dump(exclude_none=True)
    return current.model_copy(update=given)


def complete(fields: Callback, source: str) -> Callback:
    """A login's callback with every default filled in (the caller's address, 8260, 1.0.0)."""
    return Callback(
        ipaddr=fields.ipaddr or source,
        port=fields.port or DEFAULT_PORT,
        url=fields.url,
        urltag=fields.urltag or 0,
        version=fields.version or V1,
    )


def url_of(cb: Callback) -> str:
    """The callback URL of complete fields."""
    return callback_url(cb.ipaddr or "", cb.port or DEFAULT_PORT, cb.url, cb.urltag or 0)
