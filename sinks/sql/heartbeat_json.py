"""Heartbeat records read straight from their JSON: the sink's fast path.

`read_heartbeats` reads a record written the way the hub writes it (an array of
`HeartbeatMessage.model_dump_json()`s, or one: numbers for the enums, ISO 8601 times)
with `orjson` into `HeartbeatRecord`s, without a model per heartbeat or entry. Anything else
gives None: a malformed record, and also a well-formed one the model reads with a
conversion (a number where a string goes, an enum by name, a float id, an unusual
time format). The decoder then reads that record with the model, which either gives
the same values or refuses it, so the fast path accepts nothing the model refuses and
reads every value as the model does.
"""

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from schemas.enums import ProfileType, ServerStatus
from schemas.netdatetime import parse_net_datetime
from sinks.sql.heartbeats import HeartbeatRecord, ProfileReport, heartbeat_record
from sinks.sql.rows import utc

_RECEIVED_AT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
_INT32 = range(-(2**31), 2**31)
_TYPES = frozenset(int(t) for t in ProfileType)
_STATUSES = frozenset(int(s) for s in ServerStatus)


class _Bad:
    """A field's value the fast path does not read (the model decides)."""


_BAD = _Bad()


def read_heartbeats(value: bytes) -> list[HeartbeatRecord] | None:
    """The heartbeats of a record in the hub's own form (one heartbeat's object, or an
    array of them: `schemas.heartbeat_records`); None for anything else."""
    try:
        doc = orjson.loads(value)
    except orjson.JSONDecodeError:
        return None
    records = []
    for item in doc if type(doc) is list else [doc]:
        record = _record(item)
        if record is None:
            return None
        records.append(record)
    return records


def _record(doc: object) -> HeartbeatRecord | None:
    if type(doc) is not dict:
        return None
    client_id, profiles = doc.get("client_id"), doc.get("profiles")
    if type(client_id) is not str or type(profiles) is not list:
        return None
    received_at = _received_at(doc.get("received_at"))
    if received_at is None or not _commands(doc.get("delivered_commands", [])):
        return None
    entries = []
    for entry in profiles:
        report = _report(client_id, received_at, entry)
        if report is None:
            return None
        entries.append(report)
    return heartbeat_record(client_id, received_at, tuple(entries))


def _received_at(value: object) -> datetime | None:
    """`received_at` as a plain UTC datetime, when it is an ISO 8601 time as pydantic writes it."""
    if type(value) is not str or _RECEIVED_AT.fullmatch(value) is None:
        return None
    try:
        d = datetime.fromisoformat(value)
        return d if d.tzinfo is UTC else utc(d)
    except (ValueError, OverflowError):
        return None


def _commands(value: object) -> bool:
    return type(value) is list and all(type(c) is str for c in value)


def _report(client_id: str, received_at: datetime, entry: Any) -> ProfileReport | None:
    """One profile entry; None unless every field is of its plain JSON type and in range."""
    if type(entry) is not dict:
        return None
    pid, ptype, status = entry.get("ProfileId"), entry.get("ProfileType"), entry.get("ServerStatus")
    if not (
        type(pid) is int and pid in _INT32
        and type(ptype) is int and ptype in _TYPES
        and type(status) is int and status in _STATUSES
    ):  # fmt: skip
        return None
    tx, error = entry.get("LastTransactionId"), entry.get("LastError")
    tx_at, error_at = (
        _time(entry.get("LastTransactionDateTime")),
        _time(entry.get("LastErrorDateTime")),
    )
    if isinstance(tx_at, _Bad) or isinstance(error_at, _Bad) or not (_text(tx) and _text(error)):
        return None
    return ProfileReport(client_id, ptype, pid, status, tx, tx_at, error, error_at, received_at)


def _text(value: object) -> bool:
    return value is None or type(value) is str


def _time(value: object) -> datetime | _Bad | None:
    """A .NET date-time as a plain UTC datetime, None for null, `_BAD` for anything else."""
    if value is None:
        return None
    if type(value) is not str:
        return _BAD
    return net_utc(value)


@lru_cache(maxsize=16_384)
def net_utc(text: str) -> datetime | _Bad:
    """`text` read as `schemas.netdatetime.NetDate` reads it, as a plain UTC datetime;
    `_BAD` when it is not a date-time. Cached: a profile reports the same last
    transaction and error times heartbeat after heartbeat."""
    try:
        return utc(parse_net_datetime(text.strip()))
    except (ValueError, OverflowError):
        return _BAD
