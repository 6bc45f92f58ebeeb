"""Relay heartbeat JSON read the way the original server's formatter (Json.NET) reads it.

The original API runs on ASP.NET Web API, whose JSON formatter is Json.NET at its
defaults. A client that works against it must work against the hub, so before
validation the parsed body is brought to the contract's canonical form:

- property names in any case (`profileId`, `PROFILEID`), an exact match first;
- enum members by name in any case (`inbound`), as well as by number;
- dates in the Microsoft form `/Date(ms)/` or `/Date(ms±hhmm)/` that .NET's
  DataContractJsonSerializer writes (JSON's escaped `\\/` parses to `/`): ms since the
  epoch in UTC, the offset only giving the sender's zone;
- dates with a space instead of `T`, or a date alone (midnight UTC), as .NET's
  invariant-culture date parser reads them, and `""` as no date.

Numbers written as strings and numbers where a string is expected are left to the
models (`ProfileHeartbeatData` coerces both). What Json.NET reads but the hub
refuses is listed in the README ("JSON read as Json.NET reads it"), with the reasons.
"""

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from enum import IntEnum
from typing import Any

from schemas.enums import ProfileType, ServerStatus
from schemas.errors import DecodeError
from schemas.relay import ProfileHeartbeatData

_MS_DATE = re.compile(r"/Date\((-?[0-9]{1,18})(?:([+-])([0-9]{2})([0-9]{2}))?\)/")
_SPACED = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9]{2}:.*)")
_DATE_ONLY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class CanonicalReader:
    """Canonicalises the objects of one model: member names, enum names and dates."""

    def __init__(
        self, names: tuple[str, ...], *, enums: Mapping[str, type[IntEnum]], dates: set[str]
    ) -> None:
        self._names = frozenset(names)
        self._folded = {name.casefold(): name for name in names}
        self._enums = {field: {m.name.casefold(): m for m in enum} for field, enum in enums.items()}
        self._dates = frozenset(dates)

    def item(self, raw: object, where: str) -> object:
        """The object with canonical member names and values; other values unchanged."""
        if not isinstance(raw, dict):
            return raw
        result: dict[str, Any] = {}
        for key, value in raw.items():
            name = self._name(key)
            result[name] = self._value(name, value, f"{where}.{name}")
        return result

    def _name(self, key: str) -> str:
        if key in self._names:
            return key
        return self._folded.get(key.casefold(), key)

    def _value(self, name: str, value: object, where: str) -> object:
        if not isinstance(value, str):
            return value
        if name in self._dates:
            return read_date(value, where)
        members = self._enums.get(name)
        if members is not None:
            return members.get(value.strip().casefold(), value)
        return value


def read_date(text: str, where: str) -> datetime | str | None:
    """A JSON date string in any form Json.NET reads, as a datetime or an ISO string.

    ISO strings are returned (spacing normalised) for the model to parse, so one
    parser judges them; raises DecodeError for a malformed Microsoft date.
    """
    stripped = text.strip()
    if not stripped:
        return None
    if stripped.startswith("/Date("):
        return _microsoft_date(stripped, where)
    if _DATE_ONLY.fullmatch(stripped):
        return f"{stripped}T00:00:00"
    spaced = _SPACED.fullmatch(stripped)
    if spaced:
        return f"{spaced[1]}T{spaced[2]}"
    return stripped


def _microsoft_date(text: str, where: str) -> datetime:
    m = _MS_DATE.fullmatch(text)
    if m is None:
        raise DecodeError(where, "expected a date like /Date(1732539062234-0500)/")
    ms, sign, hours, minutes = m.groups()
    zone = UTC if sign is None else _zone(sign, int(hours), int(minutes), where)
    try:
        return (_EPOCH + timedelta(milliseconds=int(ms))).astimezone(zone)
    except OverflowError as e:
        raise DecodeError(where, "date out of range (years 1 to 9999)") from e


def _zone(sign: str, hours: int, minutes: int, where: str) -> timezone:
    if hours > 23 or minutes > 59:
        raise DecodeError(where, "date offset out of range (-2359 to +2359)")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


HEARTBEAT_READER = CanonicalReader(
    tuple(ProfileHeartbeatData.model_fields),
    enums={"ProfileType": ProfileType, "ServerStatus": ServerStatus},
    dates={"LastTransactionDateTime", "LastErrorDateTime"},
)
"""The reader of a heartbeat request's `ProfileHeartbeatData` objects."""


def canonical_heartbeats(parsed: object) -> object:
    """A parsed heartbeat body with every object brought to canonical form."""
    if not isinstance(parsed, list):
        return parsed
    return [HEARTBEAT_READER.item(raw, f"[{i}]") for i, raw in enumerate(parsed)]
