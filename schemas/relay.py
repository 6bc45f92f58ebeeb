"""Relay heartbeat wire contract: `PUT /api/customer/{clientId}/heartbeat`.

Field names are the wire names and are declared in the JSON samples' order, so
`model_dump()` follows the JSON property order. The XML member order is a separate
table in `codec_xml`, because DataContract sorts members by name.
"""

import re
from enum import IntEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.netdatetime import NetDate

Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""A .NET `int`."""

Byte = Annotated[int, Field(ge=0, le=255)]
"""A .NET `byte`: ClientActionRequest, PendingHeartbeatCommand and profile ServerStatus."""

_INTEGER = re.compile(r"[+-]?[0-9]+")


def _by_name(enum_type: type[IntEnum]) -> BeforeValidator:
    """Accept an enum by member name (as XML writes it) as well as by number."""
    members = enum_type.__members__
    expected = ", ".join(f"{m.name} ({m.value})" for m in enum_type)

    def coerce(value: object) -> object:
        if not isinstance(value, str):
            return value
        member = members.get(value.strip())
        if member is not None:
            return member
        if _INTEGER.fullmatch(value.strip()):
            return int(value)
        raise ValueError(f"expected one of {expected}")

    return BeforeValidator(coerce)


ProfileTypeField = Annotated[ProfileType, _by_name(ProfileType)]
ServerStatusField = Annotated[ServerStatus, _by_name(ServerStatus)]
ResponseStatusField = Annotated[ResponseStatus, _by_name(ResponseStatus)]


class WireModel(BaseModel):
    """Base of the relay models: unknown members are ignored, as DataContract does."""

    model_config = ConfigDict(extra="ignore")


class ProfileHeartbeatData(WireModel):
    """One profile's status in a heartbeat request."""

    # Json.NET writes a number into a string member as its text; so does the hub.
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    ProfileId: Int32
    ProfileType: ProfileTypeField
    ServerStatus: ServerStatusField
    LastTransactionId: str | None = None
    LastTransactionDateTime: NetDate | None = None
    LastError: str | None = None
    LastErrorDateTime: NetDate | None = None


class InboundProfileBase(WireModel):
    """Configuration of an inbound relay profile, as the operator sets it."""

    RelayInboundProfileID: Int32 = 0
    RelayCustomerID: Int32 = 0
    ProfileName: str | None = None
    ApplicationName: str | None = None
    Active: bool = False
    ClientActionRequest: Byte = 0
    LogLevel: str | None = None
    AlertEmailList: str | None = None
    LogTransactionsToDB: bool = False
    ReceiveTCP: bool = False
    ReceivePort: Int32 = 0
    ReceiveImmediateAck: bool = False
    ReceiveFile: bool = False
    ReceiveFileFolderPath: str | None = None
    ReceiveFileExtension: str | None = None
    ReceiveFilePollingInterval: Int32 = 0
    RelayTCP: bool = False
    RelayIPAddress: str | None = None
    RelayPortNumber: Int32 = 0
    RelayAckTimeout: Int32 = 0
    RelayFile: bool = False
    RelayFileFolderPath: str | None = None
    RelayWebService: bool = False
    RelayWebServiceURI: str | None = None
    RelayWebServiceTimeout: Int32 = 0


class ProfileAnswerState(WireModel):
    """The members of a profile's state that the heartbeat answer adds to its configuration.

    Named first among a profile's bases, so that pydantic (which takes the fields of the
    bases last to first) writes them after the configuration, as the JSON samples do.
    """

    # A byte on the wire (the sample has 64 in XML too), not the ServerStatus enum.
    ServerStatus: Byte = 0
    LastTransactionDateTime: NetDate | None = None
    PendingHeartbeatCommand: Byte = 0
    LastHeartbeatDateTime: NetDate | None = None


class RelayInboundProfile(ProfileAnswerState, InboundProfileBase):
    """An inbound profile as the heartbeat answer carries it: configuration plus state."""


class OutboundProfileBase(WireModel):
    """Configuration of an outbound relay profile, as the operator sets it."""

    # Shares members with InboundProfileBase, yet each is declared whole in its wire
    # order: a shared base's members would come first, before the profile's own id.

    RelayOutboundProfileID: Int32 = 0
    RelayCustomerID: Int32 = 0
    ProfileName: str | None = None
    ApplicationName: str | None = None
    Active: bool = False
    ClientActionRequest: Byte = 0
    LogLevel: str | None = None
    AlertEmailList: str | None = None
    WebServicePollingInterval: Int32 = 0
    TransactionLimitPerRequest: Int32 = 0
    RelayTCP: bool = False
    RelayIPAddress: str | None = None
    RelayPortNumber: Int32 = 0
    RelayAckTimeout: Int32 = 0
    RelayFile: bool = False
    RelayFileFolderPath: str | None = None


class RelayOutboundProfile(ProfileAnswerState, OutboundProfileBase):
    """An outbound profile as the heartbeat answer carries it: configuration plus state."""


class ResponseDataBase(WireModel):
    """Members every relay answer carries."""

    LogMessage: str | None = None
    ResponseStatus: ResponseStatusField


class ProfileListResponseData(ResponseDataBase):
    """The answer to a heartbeat: the customer's profiles with their pending commands.

    Field order here is base first; the JSON codec writes the sample's order
    (lists first) and the XML codec the DataContract order.
    """

    InboundProfileList: list[RelayInboundProfile] | None = None
    OutboundProfileList: list[RelayOutboundProfile] | None = None
