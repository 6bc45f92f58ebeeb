"""A batch of events folded into rows, at most one per key and table.

Folding follows the rules of the database's upserts (newest by offset, heartbeat
time, health time or command seq; an ended PBX session changes only by another end;
first insert wins for history rows), so a batch written at once gives the rows its
events give written one by one in log order. It also keeps one statement from
touching a row twice, which PostgreSQL refuses.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from schemas.alert_delivery import ChannelAttempt
from schemas.customer_deletion import CustomerDeleted
from schemas.events import ClientHealthEvent, CommandEvent, HealthEvent, PbxConnectionEvent
from schemas.pbx_topics import ChangeKind, DeliveryAttempt, PbxChange
from schemas.topics import CustomerImported, CustomerUpserted, HeartbeatMessage, ProfileUpserted
from sinks.sql.events import SinkEvent
from sinks.sql.heartbeats import HeartbeatRecord, ProfileReport, merged, record_of
from sinks.sql.models import (
    AlertDeliveryRow,
    ClientTransitionRow,
    CommandHistoryRow,
    CommandRow,
    CustomerRow,
    HealthStateRow,
    HealthTransitionRow,
    PbxConnectionHealthRow,
    PbxDeletedRow,
    PbxDeliveryRow,
    PbxRow,
    PbxSessionRow,
    ProfileRow,
)
from sinks.sql.rollups import Rollup
from sinks.sql.rows import (
    PbxKey,
    ProfileKey,
    channel_attempt_row,
    client_transition_row,
    command_rows,
    connection_row,
    customer_row,
    delivery_row,
    health_rows,
    pbx_deleted_row,
    pbx_row,
    profile_key,
    profile_row,
    session_row,
    utc,
)

P = TypeVar("P", bound=PbxDeletedRow)


@dataclass(frozen=True, slots=True)
class ProfileGone:
    """A deleted profile: its row goes, unless a newer config event set it."""

    key: ProfileKey
    src_offset: int


@dataclass(frozen=True, slots=True)
class CustomerGone:
    """A deleted customer: its row and its profiles' rows are marked, unless a newer
    config event set them (the customer created again, a profile configured again)."""

    client_id: str
    at: datetime
    src_offset: int


class Batch:
    """Rows of the events added since the batch was made, folded per key."""

    def __init__(
        self,
        *,
        heartbeats_since: datetime | None = None,
        raw_heartbeats: bool = True,
        heartbeat_topic: str = "",
    ) -> None:
        self.heartbeats_since = heartbeats_since
        self.raw_heartbeats = raw_heartbeats
        self.heartbeat_topic = heartbeat_topic
        self.rollup = Rollup()
        self.events = 0
        self.customers: dict[str, CustomerRow] = {}
        self.customers_gone: dict[str, CustomerGone] = {}
        self.profiles: dict[ProfileKey, ProfileRow | ProfileGone] = {}
        self.reported: dict[ProfileKey, ProfileReport] = {}
        self.health: dict[ProfileKey, HealthStateRow] = {}
        self.heartbeats: dict[tuple[ProfileKey, datetime], ProfileReport] = {}
        self.transitions: dict[str, HealthTransitionRow] = {}
        self.commands: dict[str, CommandRow] = {}
        self.history: dict[tuple[str, int], CommandHistoryRow] = {}
        self.pbxes: dict[PbxKey, PbxRow] = {}
        self.pbxes_deleted: dict[PbxKey, PbxDeletedRow] = {}
        self.sessions: dict[str, PbxSessionRow] = {}
        self.deliveries: dict[str, PbxDeliveryRow] = {}
        self.connections: dict[str, PbxConnectionHealthRow] = {}
        self.alert_deliveries: dict[str, AlertDeliveryRow] = {}
        self.client_transitions: dict[str, ClientTransitionRow] = {}

    def __len__(self) -> int:
        return self.events

    def rows(self) -> int:
        """How many rows the batch writes (inserted, updated or deleted at most)."""
        tables = (
            self.customers, self.customers_gone, self.profiles, self.reported, self.health,
            self.heartbeats, self.transitions, self.commands, self.history,
            self.pbxes, self.pbxes_deleted, self.sessions, self.deliveries, self.connections,
            self.alert_deliveries, self.client_transitions,
        )  # fmt: skip
        return sum(len(t) for t in tables) + len(self.rollup)

    def add(self, event: SinkEvent, offset: int, partition: int = 0) -> None:
        """Fold one event, read at `offset` of its `partition`, into the batch."""
        self._fold(event, offset, partition)
        self.events += 1  # one event, however many rows

    def _fold(self, event: SinkEvent, offset: int, partition: int) -> None:
        if isinstance(event, HeartbeatRecord):
            self._add_heartbeat(event, offset, partition)
        elif isinstance(event, HeartbeatMessage):
            self._add_heartbeat(record_of(event), offset, partition)
        elif isinstance(event, HealthEvent):
            self._add_health(event)
        elif isinstance(event, ClientHealthEvent):
            self.client_transitions.setdefault(event.id, client_transition_row(event))
        elif isinstance(event, PbxConnectionEvent):
            self.connections.setdefault(event.id, connection_row(event))
        elif isinstance(event, CommandEvent):
            self._add_command(event)
        elif isinstance(event, CustomerUpserted):
            self._add_customer(customer_row(event, offset))
        elif isinstance(event, CustomerImported):
            for part in event.parts():  # the customer's row, then its profiles' rows
                self._fold(part, offset, partition)
        elif isinstance(event, CustomerDeleted):
            self._add_customer_gone(CustomerGone(event.client_id, utc(event.at), offset))
        elif isinstance(event, ProfileUpserted):
            self._add_profile(profile_key(event), profile_row(event, offset))
        elif isinstance(event, PbxChange):
            self._add_pbx_change(event, offset)
        elif isinstance(event, DeliveryAttempt):
            row = delivery_row(event)
            self.deliveries.setdefault(row.id, row)
        elif isinstance(event, ChannelAttempt):
            self.alert_deliveries.setdefault(event.id, channel_attempt_row(event))
        else:
            self._add_profile(profile_key(event), ProfileGone(profile_key(event), offset))

    def _add_customer(self, row: CustomerRow) -> None:
        old = self.customers.get(row.client_id)
        if old is None or row.src_offset >= old.src_offset:
            self.customers[row.client_id] = row

    def _add_customer_gone(self, gone: CustomerGone) -> None:
        # Only the newest: it marks every row an older one would, at its own time.
        old = self.customers_gone.get(gone.client_id)
        if old is None or gone.src_offset >= old.src_offset:
            self.customers_gone[gone.client_id] = gone

    def _add_profile(self, key: ProfileKey, row: ProfileRow | ProfileGone) -> None:
        old = self.profiles.get(key)
        if old is None or row.src_offset >= old.src_offset:
            self.profiles[key] = row

    def _add_heartbeat(self, record: HeartbeatRecord, offset: int, partition: int) -> None:
        self.rollup.add(partition, offset, record)
        received = record.received_at
        if self.heartbeats_since is not None and received < self.heartbeats_since:
            return  # past retention: pruning would delete it again; counted in the rollups only
        reported = self.reported
        for report in record.entries:
            key = report[:3]
            if self.raw_heartbeats:
                self.heartbeats.setdefault((key, received), report)
            old = reported.get(key)
            if old is None or received >= old.last_heartbeat_at:
                reported[key] = merged(report, old)

    def _add_health(self, event: HealthEvent) -> None:
        transition, state = health_rows(event)
        self.transitions.setdefault(transition.id, transition)
        key = (state.client_id, state.profile_type, state.profile_id)
        old = self.health.get(key)
        if old is None or _not_older(state.health_since, old.health_since):
            self.health[key] = state

    def _add_command(self, event: CommandEvent) -> None:
        current, change = command_rows(event)
        self.history.setdefault((change.command_id, change.seq), change)
        old = self.commands.get(current.command_id)
        if old is None or current.seq >= old.seq:
            self.commands[current.command_id] = current

    def _add_pbx_change(self, change: PbxChange, offset: int) -> None:
        # A PBX's latest configuration and latest deletion are kept apart and written in
        # that order: a deletion keeps the name of the configuration before it.
        if change.kind is ChangeKind.pbx_upserted:
            _add_newest(self.pbxes, pbx_row(change, offset))
        elif change.kind is ChangeKind.pbx_deleted:
            _add_newest(self.pbxes_deleted, pbx_deleted_row(change, offset))
        else:
            self._add_session(session_row(change, offset))

    def _add_session(self, row: PbxSessionRow) -> None:
        old = self.sessions.get(row.session_id)
        if old is None or session_supersedes(row, old):
            self.sessions[row.session_id] = row


def session_supersedes(new: PbxSessionRow, old: PbxSessionRow) -> bool:
    """A change read later replaces a session's row, but an ended session stays ended:
    only another end (a replay of it) replaces it, never an opening or a renewal."""
    return new.src_offset >= old.src_offset and (
        old.end_reason is None or new.end_reason is not None
    )


def _add_newest(rows: dict[PbxKey, P], row: P) -> None:
    key = (row.client_id, row.pbx_id)
    old = rows.get(key)
    if old is None or row.src_offset >= old.src_offset:
        rows[key] = row


def _not_older(new: datetime | None, old: datetime | None) -> bool:
    return old is None or (new is not None and new >= old)
