""".NET DataContract XML codec of the relay heartbeat contract.

DataContract writes a type's members base type first, each type's own members in
ordinal (case-sensitive) alphabetical order, and its readers reject other orders, so
the order is kept here as explicit data (one table per type) rather than derived from
the pydantic classes. Encoding builds strings directly; decoding goes through
defusedxml with DTDs, entities and external references forbidden, then pydantic.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from pydantic import BaseModel, TypeAdapter, ValidationError

from schemas.errors import DecodeError
from schemas.netdatetime import format_net_datetime
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData

DEFAULT_MAX_BYTES = 1_048_576
"""Largest body the decoders accept unless told otherwise."""

NS_INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
NS_TRANSFER = "http://schemas.datacontract.org/2004/07/Interface.Relay.TransferObjects"
NS_ACCESS = "http://schemas.datacontract.org/2004/07/Interface.Relay.DataAccess"

_NIL = f"{{{NS_INSTANCE}}}nil"
_ROOT_NS = f' xmlns:i="{NS_INSTANCE}" xmlns="{NS_TRANSFER}"'
_ACCESS_NS = f' xmlns:d2p1="{NS_ACCESS}"'


@dataclass(frozen=True)
class _Contract:
    """The DataContract shape of one type."""

    name: str
    namespace: str
    prefix: str  # the prefix its elements are written with inside a TransferObjects root
    members: tuple[str, ...]  # in DataContract order
    known: frozenset[str]
    lists: Mapping[str, "_Contract"] = field(default_factory=dict)  # list member -> item type

    @property
    def tag(self) -> str:
        return f"{{{self.namespace}}}{self.name}"


def _contract(
    name: str,
    namespace: str,
    prefix: str,
    *groups: tuple[str, ...],
    lists: Mapping[str, _Contract] | None = None,
) -> _Contract:
    """Build a contract from member groups, base type's group first."""
    # Python's str ordering is by code point, the same as .NET's ordinal comparison.
    members = tuple(member for group in groups for member in sorted(group))
    return _Contract(name, namespace, prefix, members, frozenset(members), lists or {})


# One group per type in the .NET hierarchy, base first; order within a group is
# irrelevant here because _contract sorts it.
_HEARTBEAT = _contract(
    "ProfileHeartbeatData", NS_TRANSFER, "",
    ("ProfileId", "ProfileType", "ServerStatus", "LastTransactionId",
     "LastTransactionDateTime", "LastError", "LastErrorDateTime"),
)  # fmt: skip

# The .NET profile classes declare configuration and state in one type, so all their
# members sort together (LastHeartbeatDateTime comes before LogLevel).
_INBOUND = _contract(
    "RelayInboundProfile", NS_ACCESS, "d2p1:",
    ("RelayInboundProfileID", "RelayCustomerID", "ProfileName", "ApplicationName", "Active",
     "ClientActionRequest", "LogLevel", "AlertEmailList", "LogTransactionsToDB", "ReceiveTCP",
     "ReceivePort", "ReceiveImmediateAck", "ReceiveFile", "ReceiveFileFolderPath",
     "ReceiveFileExtension", "ReceiveFilePollingInterval", "RelayTCP", "RelayIPAddress",
     "RelayPortNumber", "RelayAckTimeout", "RelayFile", "RelayFileFolderPath", "RelayWebService",
     "RelayWebServiceURI", "RelayWebServiceTimeout", "ServerStatus", "LastTransactionDateTime",
     "PendingHeartbeatCommand", "LastHeartbeatDateTime"),
)  # fmt: skip

_OUTBOUND = _contract(
    "RelayOutboundProfile", NS_ACCESS, "d2p1:",
    ("RelayOutboundProfileID", "RelayCustomerID", "ProfileName", "ApplicationName", "Active",
     "ClientActionRequest", "LogLevel", "AlertEmailList", "WebServicePollingInterval",
     "TransactionLimitPerRequest", "RelayTCP", "RelayIPAddress", "RelayPortNumber",
     "RelayAckTimeout", "RelayFile", "RelayFileFolderPath", "ServerStatus",
     "LastTransactionDateTime", "PendingHeartbeatCommand", "LastHeartbeatDateTime"),
)  # fmt: skip

_RESPONSE = _contract(
    "ProfileListResponseData", NS_TRANSFER, "",
    ("LogMessage", "ResponseStatus"),  # ResponseDataBase
    ("InboundProfileList", "OutboundProfileList"),  # ProfileListResponseData
    lists={"InboundProfileList": _INBOUND, "OutboundProfileList": _OUTBOUND},
)  # fmt: skip

_HEARTBEAT_LIST = TypeAdapter(list[ProfileHeartbeatData])


# --- encoding -------------------------------------------------------------------------

# Characters XML 1.0 cannot carry, plus those that need escaping.
_NEEDS_WORK = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    if _NEEDS_WORK.search(text) is None:
        return text
    # An answer must always be writable, so characters XML cannot carry become U+FFFD.
    text = _NOT_XML.sub("\ufffd", text)
    # \r as a reference, or parsers would turn it into \n.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#xD;")
    )


def _text(value: object) -> str:
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, IntEnum):
        return value.name
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return format_net_datetime(value)
    raise TypeError(f"no DataContract form for {type(value).__name__}")


def _encode_members(model: BaseModel, contract: _Contract, indent: str, out: list[str]) -> None:
    for name in contract.members:
        _encode_member(name, getattr(model, name), contract, indent, out)


def _encode_member(name: str, value: Any, contract: _Contract, indent: str, out: list[str]) -> None:
    p = contract.prefix
    if value is None:
        out.append(f'{indent}<{p}{name} i:nil="true" />')
    elif name in contract.lists:
        _encode_list(name, value, contract.lists[name], indent, out)
    else:
        out.append(f"{indent}<{p}{name}>{_text(value)}</{p}{name}>")


def _encode_list(
    name: str, items: list[BaseModel], item: _Contract, indent: str, out: list[str]
) -> None:
    if not items:
        out.append(f"{indent}<{name}{_ACCESS_NS} />")
        return
    out.append(f"{indent}<{name}{_ACCESS_NS}>")
    open_tag, close_tag = (
        f"{indent}  <{item.prefix}{item.name}>",
        f"{indent}  </{item.prefix}{item.name}>",
    )
    inner = indent + "    "
    for model in items:
        out.append(open_tag)
        _encode_members(model, item, inner, out)
        out.append(close_tag)
    out.append(f"{indent}</{name}>")


def encode_heartbeats(items: Iterable[ProfileHeartbeatData]) -> bytes:
    """Encode heartbeats as a .NET client sends them."""
    root = "ArrayOfProfileHeartbeatData"
    out = [f"<{root}{_ROOT_NS}>"]
    for item in items:
        out.append(f"  <{_HEARTBEAT.name}>")
        _encode_members(item, _HEARTBEAT, "    ", out)
        out.append(f"  </{_HEARTBEAT.name}>")
    if len(out) == 1:
        return f"<{root}{_ROOT_NS} />".encode()
    out.append(f"</{root}>")
    return "\n".join(out).encode()


def encode_response(r: ProfileListResponseData) -> bytes:
    """Encode a heartbeat answer as the .NET service writes it."""
    out = [f"<{_RESPONSE.name}{_ROOT_NS}>"]
    _encode_members(r, _RESPONSE, "  ", out)
    out.append(f"</{_RESPONSE.name}>")
    return "\n".join(out).encode()


# The members of a relay profile that come from its state and orders, not its
# configuration: `encode_answer` writes the rest once per configuration object.
STATE_MEMBERS = frozenset(
    {"ClientActionRequest", "ServerStatus", "LastTransactionDateTime", "PendingHeartbeatCommand",
     "LastHeartbeatDateTime"}
)  # fmt: skip
_PROFILE_INDENT = "      "
_TEMPLATES_MAX = 100_000
_templates: dict[int, tuple[BaseModel, list[str]]] = {}


def _template(contract: _Contract, cfg: BaseModel) -> list[str]:
    """A profile's lines, a state member's line left as its bare name; made once per object."""
    hit = _templates.get(id(cfg))
    if hit is not None and hit[0] is cfg:
        return hit[1]
    lines: list[str] = []
    for name in contract.members:
        if name in STATE_MEMBERS:
            lines.append(name)
        else:
            _encode_member(name, getattr(cfg, name), contract, _PROFILE_INDENT, lines)
    if len(_templates) >= _TEMPLATES_MAX:
        _templates.pop(next(iter(_templates)))
    _templates[id(cfg)] = (cfg, lines)  # the object is held, so its id is not reused
    return lines


def encode_answer(
    inbound: Iterable[tuple[BaseModel, Mapping[str, object]]],
    outbound: Iterable[tuple[BaseModel, Mapping[str, object]]],
    status: IntEnum,
    message: str | None,
) -> bytes:
    """`encode_response` of an answer given as each profile's configuration (inbound or
    outbound base model) with its state members; the same bytes, made faster."""
    out = [f"<{_RESPONSE.name}{_ROOT_NS}>"]
    for name in _RESPONSE.members:
        if name == "InboundProfileList":
            _answer_list(name, _INBOUND, inbound, out)
        elif name == "OutboundProfileList":
            _answer_list(name, _OUTBOUND, outbound, out)
        else:
            value = status if name == "ResponseStatus" else message
            _encode_member(name, value, _RESPONSE, "  ", out)
    out.append(f"</{_RESPONSE.name}>")
    return "\n".join(out).encode()


def _answer_list(
    name: str,
    item: _Contract,
    profiles: Iterable[tuple[BaseModel, Mapping[str, object]]],
    out: list[str],
) -> None:
    start = len(out)
    out.append(f"  <{name}{_ACCESS_NS}>")
    p = item.prefix
    for cfg, state in profiles:
        out.append(f"    <{p}{item.name}>")
        for line in _template(item, cfg):
            if line in STATE_MEMBERS:
                _encode_member(line, state[line], item, _PROFILE_INDENT, out)
            else:
                out.append(line)
        out.append(f"    </{p}{item.name}>")
    if len(out) == start + 1:
        out[start] = f"  <{name}{_ACCESS_NS} />"
        return
    out.append(f"  </{name}>")


# --- decoding -------------------------------------------------------------------------


def _parse(body: bytes, max_bytes: int) -> Element:
    if len(body) > max_bytes:
        raise DecodeError("", f"body is larger than {max_bytes} bytes")
    try:
        root: Element = fromstring(
            body, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as e:
        raise DecodeError("", "DTDs, entities and external references are not allowed") from e
    except ParseError as e:
        raise DecodeError("", f"invalid XML: {e}") from e
    return root


def _is_nil(element: Element) -> bool:
    return element.get(_NIL) in ("true", "1")


def _expect(element: Element, contract: _Contract, path: str) -> None:
    if element.tag != contract.tag:
        raise DecodeError(
            path, f"expected element {contract.name} in namespace {contract.namespace}"
        )


def _decode_members(element: Element, contract: _Contract, path: str) -> dict[str, Any]:
    """Collect a type's members in any order; unknown elements are ignored."""
    values: dict[str, Any] = {}
    prefix = f"{{{contract.namespace}}}"
    for child in element:
        if not isinstance(child.tag, str) or not child.tag.startswith(prefix):
            continue
        name = child.tag[len(prefix) :]
        if name not in contract.known:
            continue
        where = f"{path}.{name}" if path else name
        if name in values:
            raise DecodeError(where, "element appears more than once")
        if name in contract.lists and not _is_nil(child):
            values[name] = _decode_items(child, contract.lists[name], where)
        else:
            values[name] = _decode_value(child, where)
    return values


def _decode_value(element: Element, path: str) -> str | None:
    if _is_nil(element):
        return None
    if len(element):
        raise DecodeError(path, "expected a simple value, found child elements")
    # An empty element is an empty string; pydantic refuses it for other types.
    return element.text or ""


def _decode_items(element: Element, item: _Contract, path: str) -> list[dict[str, Any]]:
    items = []
    for index, child in enumerate(element):
        where = f"{path}[{index}]"
        _expect(child, item, where)
        items.append(_decode_members(child, item, where))
    return items


def decode_heartbeats(
    body: bytes, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[ProfileHeartbeatData]:
    """Decode an `ArrayOfProfileHeartbeatData` body; raises DecodeError."""
    root = _parse(body, max_bytes)
    if root.tag != f"{{{NS_TRANSFER}}}ArrayOfProfileHeartbeatData":
        raise DecodeError(
            "", f"expected element ArrayOfProfileHeartbeatData in namespace {NS_TRANSFER}"
        )
    if _is_nil(root):
        raise DecodeError("", "expected a collection, found nil")
    items = _decode_items(root, _HEARTBEAT, "")
    try:
        return _HEARTBEAT_LIST.validate_python(items)
    except ValidationError as e:
        raise DecodeError.from_validation_error(e) from e


def decode_response(body: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ProfileListResponseData:
    """Decode a `ProfileListResponseData` body; raises DecodeError."""
    root = _parse(body, max_bytes)
    _expect(root, _RESPONSE, "")
    values = _decode_members(root, _RESPONSE, "")
    try:
        return ProfileListResponseData.model_validate(values)
    except ValidationError as e:
        raise DecodeError.from_validation_error(e) from e
