"""A relay heartbeat as the sink folds it: plain values, no model per record or row.

A heartbeat record gives, per profile entry, one contribution to a minute rollup and
the reported columns of `profile_state` (and, when raw heartbeats are kept, a
`heartbeats` row). `ProfileReport` holds those columns in the table's order, so a
batch keeps it as the profile's state and writes it as it is. Times are plain
`datetime`s in UTC, as `rows.utc` makes them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from schemas.relay import ProfileHeartbeatData
from schemas.topics import HeartbeatMessage
from sinks.sql.rows import ProfileKey, utc, utc_or_none


class ProfileReport(NamedTuple):
    """One profile entry of a heartbeat: the reported columns of its profile_state row."""

    client_id: str
    profile_type: int
    profile_id: int
    server_status: int
    last_transaction_id: str | None
    last_transaction_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    last_heartbeat_at: datetime


REPORT_COLUMNS = ProfileReport._fields


@dataclass(frozen=True, slots=True)
class HeartbeatRecord:
    """One heartbeat record: who sent it, when the hub got it (and its minute), its entries."""

    client_id: str
    received_at: datetime
    minute: datetime
    entries: tuple[ProfileReport, ...]


def heartbeat_record(
    client_id: str, received_at: datetime, entries: tuple[ProfileReport, ...]
) -> HeartbeatRecord:
    """The record of a heartbeat received at `received_at` (a plain UTC datetime)."""
    minute = received_at.replace(second=0, microsecond=0)
    return HeartbeatRecord(client_id, received_at, minute, entries)


def record_of(message: HeartbeatMessage) -> HeartbeatRecord:
    """The record of a validated heartbeat message (what the JSON fast path also gives)."""
    received = utc(message.received_at)
    entries = tuple(_report(message.client_id, received, e) for e in message.profiles)
    return heartbeat_record(message.client_id, received, entries)


def _report(client_id: str, received: datetime, entry: ProfileHeartbeatData) -> ProfileReport:
    return ProfileReport(
        client_id, int(entry.ProfileType), entry.ProfileId, int(entry.ServerStatus),
        entry.LastTransactionId, utc_or_none(entry.LastTransactionDateTime),
        entry.LastError, utc_or_none(entry.LastErrorDateTime), received,
    )  # fmt: skip


def report_key(report: ProfileReport) -> ProfileKey:
    """The key of the profile a report is about."""
    return report.client_id, report.profile_type, report.profile_id


def heartbeat_row(report: ProfileReport) -> dict[str, Any]:
    """The `heartbeats` row of a report (written when raw heartbeats are kept)."""
    row = report._asdict()
    received = row.pop("last_heartbeat_at")
    row.update(
        received_at=received, day=received.date(), minute=received.replace(second=0, microsecond=0)
    )
    return row


def merged(new: ProfileReport, old: ProfileReport | None) -> ProfileReport:
    """The state after `new` over `old`: a field `new` reports as null keeps its old value."""
    if old is None:
        return new
    tx, tx_at, error, error_at = new[4:8]
    if (
        (tx is None and old.last_transaction_id is not None)
        or (tx_at is None and old.last_transaction_at is not None)
        or (error is None and old.last_error is not None)
        or (error_at is None and old.last_error_at is not None)
    ):
        return ProfileReport(
            new.client_id, new.profile_type, new.profile_id, new.server_status,
            old.last_transaction_id if tx is None else tx,
            old.last_transaction_at if tx_at is None else tx_at,
            old.last_error if error is None else error,
            old.last_error_at if error_at is None else error_at,
            new.last_heartbeat_at,
        )  # fmt: skip
    return new  # nothing to keep: the common case
