"""The SQL tables, as sqlmodel classes.

A family per entity: `...Columns` classes hold columns several tables share (and
mirror the Kafka messages in `schemas/`), `...Row` classes are what the sink writes
(validated, not mapped), and the `table=True` classes add the table's name and
indexes. Every timestamp is stored in UTC. `day` and `minute` columns hold the UTC
date and the minute of a timestamp, and `*_ms` columns milliseconds since the Unix
epoch, so that dashboards group and subtract with the same SQL on SQLite and
PostgreSQL, which share no date-truncation or interval function.

The `table=True` classes are alike by design (a name and indexes each). The event tables
declare `at`, `at_ms` and `day` each rather than in a shared `...Columns` class: a base
class's columns come first, and in the tables (as the migrations made them) these follow
the event's own.
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, Index, SmallInteger
from sqlmodel import Field, SQLModel

UTC_DATETIME = DateTime(timezone=True)
INT16_MAX = 2**15 - 1
INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
"""Largest values of SMALLINT, INTEGER and BIGINT columns on PostgreSQL; rows refuse larger
ones before SQL does."""


class ProfileKeyColumns(SQLModel):
    """The key of a profile: its customer, type (1 inbound, 2 outbound) and id."""

    client_id: str = Field(primary_key=True)
    profile_type: int = Field(primary_key=True, sa_type=SmallInteger)
    profile_id: int = Field(primary_key=True)


class ProfileRefColumns(SQLModel):
    """Which profile a row is about, when the profile is not the row's key."""

    client_id: str
    profile_type: int = Field(sa_type=SmallInteger)
    profile_id: int


class ReportedColumns(SQLModel):
    """A profile's status as a heartbeat reports it (`ProfileHeartbeatData`)."""

    server_status: int | None = Field(default=None, sa_type=SmallInteger)
    last_transaction_id: str | None = None
    last_transaction_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)
    last_error: str | None = None
    last_error_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)


class DeletedColumns(SQLModel):
    """When the customer was deleted (`CustomerDeleted`); null while it is live."""

    deleted_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)


class CustomerRow(DeletedColumns):
    """A customer's configuration (`CustomerUpserted`)."""

    client_id: str = Field(primary_key=True)
    relay_customer_id: int
    name: str
    src_offset: int = Field(sa_type=BigInteger, description="offset of the config event")


class Customer(CustomerRow, table=True):
    """customers: one row per configured customer, kept (marked) when it is deleted."""

    __tablename__ = "customers"


class ProfileRow(DeletedColumns, ProfileKeyColumns):
    """A profile's current configuration (`ProfileUpserted`); `config` is the whole wire form."""

    relay_customer_id: int
    profile_name: str | None = None
    application_name: str | None = None
    active: bool
    client_action_request: int = Field(sa_type=SmallInteger)
    log_level: str | None = None
    alert_email_list: str | None = None
    config: dict[str, Any] = Field(sa_type=JSON)
    src_offset: int = Field(sa_type=BigInteger, description="offset of the config event")


class Profile(ProfileRow, table=True):
    """profiles: every configured profile; a deleted one loses its row, one of a deleted
    customer is kept and marked."""

    __tablename__ = "profiles"


class ReportedStateRow(ReportedColumns, ProfileKeyColumns):
    """The part of profile_state that heartbeats set."""

    last_heartbeat_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)


class HealthStateRow(ProfileKeyColumns):
    """The part of profile_state that health events set."""

    health: str | None = None
    health_since: datetime | None = Field(default=None, sa_type=UTC_DATETIME)
    health_reason: str | None = None


class ProfileState(ReportedStateRow, HealthStateRow, table=True):
    """profile_state: last reported status and current health of each profile."""

    __tablename__ = "profile_state"
    __table_args__ = (Index("ix_profile_state_health", "health"),)


class HeartbeatRow(ReportedColumns, ProfileKeyColumns):
    """One profile's entry of one heartbeat (`HeartbeatMessage.profiles[i]`)."""

    received_at: datetime = Field(primary_key=True, sa_type=UTC_DATETIME)
    day: date
    minute: datetime = Field(sa_type=UTC_DATETIME, description="received_at to the minute")


class Heartbeat(HeartbeatRow, table=True):
    """heartbeats: one row per heartbeat per profile, kept heartbeat_retention_days."""

    __tablename__ = "heartbeats"
    __table_args__ = (
        Index("ix_heartbeats_client_minute", "client_id", "minute"),
        Index("ix_heartbeats_day", "day"),
        Index("ix_heartbeats_received_at", "received_at"),
    )


class HealthTransitionRow(ProfileRefColumns):
    """A change of a profile's health (`HealthEvent`), keyed by the event's id."""

    id: str = Field(primary_key=True)
    from_health: str | None = None
    to_health: str
    reason: str
    at: datetime = Field(sa_type=UTC_DATETIME)
    at_ms: int = Field(sa_type=BigInteger)
    day: date
    profile_name: str | None = None


class HealthTransition(HealthTransitionRow, table=True):
    """health_transitions: every health change of every profile."""

    __tablename__ = "health_transitions"
    __table_args__ = (
        Index(
            "ix_health_transitions_profile_at", "client_id", "profile_type", "profile_id", "at_ms"
        ),
        Index("ix_health_transitions_day", "day"),
    )


class CommandChangeColumns(SQLModel):
    """Where a command is after one change (`CommandEvent`)."""

    state: str
    deliveries: int = Field(ge=0, le=INT32_MAX)
    at: datetime = Field(sa_type=UTC_DATETIME)


class CommandRow(CommandChangeColumns, ProfileRefColumns):
    """A command's current state: its latest change (highest seq)."""

    command_id: str = Field(primary_key=True)
    seq: int = Field(ge=0, le=INT32_MAX)
    command: str
    final: bool = Field(description="acknowledged, expired, failed or cancelled")
    ttl_s: int = Field(ge=-INT32_MAX, le=INT32_MAX)
    max_deliveries: int = Field(ge=-INT32_MAX, le=INT32_MAX)
    created_at: datetime = Field(sa_type=UTC_DATETIME)
    created_day: date


class Command(CommandRow, table=True):
    """commands: one row per command, in its latest state."""

    __tablename__ = "commands"
    __table_args__ = (
        Index("ix_commands_profile", "client_id", "profile_type", "profile_id"),
        Index("ix_commands_day_state", "created_day", "state"),
    )


class CommandHistoryRow(CommandChangeColumns):
    """One change of a command's state."""

    command_id: str = Field(primary_key=True)
    seq: int = Field(primary_key=True, ge=0, le=INT32_MAX)


class CommandHistory(CommandHistoryRow, table=True):
    """command_history: every (command_id, seq) change."""

    __tablename__ = "command_history"


class HeartbeatMinuteRow(ProfileKeyColumns):
    """One profile's heartbeats of one UTC minute: how many, by reported status, the last."""

    minute: datetime = Field(primary_key=True, sa_type=UTC_DATETIME)
    day: date
    heartbeats: int = Field(default=0, sa_type=BigInteger)
    started: int = Field(default=0, sa_type=BigInteger)
    stopped: int = Field(default=0, sa_type=BigInteger)
    starting: int = Field(default=0, sa_type=BigInteger)
    stopping: int = Field(default=0, sa_type=BigInteger)
    paused: int = Field(default=0, sa_type=BigInteger)
    error: int = Field(default=0, sa_type=BigInteger)
    last_status: int | None = Field(default=None, sa_type=SmallInteger)
    last_received_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)


class HeartbeatMinute(HeartbeatMinuteRow, table=True):
    """heartbeat_minutes: per-minute rollups of every profile's heartbeats."""

    __tablename__ = "heartbeat_minutes"
    __table_args__ = (
        Index("ix_heartbeat_minutes_day", "day"),
        Index("ix_heartbeat_minutes_client_minute", "client_id", "minute"),
    )


class PbxKeyColumns(SQLModel):
    """The key of a PBX: its customer and its id."""

    client_id: str = Field(primary_key=True)
    pbx_id: str = Field(primary_key=True)


class PbxRefColumns(SQLModel):
    """Which PBX a row is about, when the PBX is not the row's key."""

    client_id: str
    pbx_id: str


class PbxDeletedRow(PbxKeyColumns):
    """The pbxes columns a deletion sets (`PbxChange`, pbx-deleted); name and serial stay."""

    deleted: bool
    updated_at: datetime = Field(sa_type=UTC_DATETIME, description="`at` of the change")
    src_offset: int = Field(sa_type=BigInteger, description="offset of the pbx-changes record")


class PbxRow(PbxDeletedRow):
    """A PBX's configuration (`PbxChange`, pbx-upserted).

    The name and serial number are null only for a PBX whose deletion the sink read
    but not its configuration (past the topic's retention).
    """

    name: str | None = None
    serial_number: str | None = None


class Pbx(PbxRow, table=True):
    """pbxes: every PBX of the PBX API, deleted ones marked."""

    __tablename__ = "pbxes"


class PbxSessionRow(PbxRefColumns):
    """A PBX API session as its latest change shows it (`PbxChange.session`)."""

    session_id: str = Field(primary_key=True)
    user_name: str
    callback_url: str
    version: str = Field(description="the version of the events the callback takes")
    created: datetime = Field(sa_type=UTC_DATETIME)
    last_seen: datetime = Field(sa_type=UTC_DATETIME)
    expires_at: datetime = Field(sa_type=UTC_DATETIME)
    state: str
    end_reason: str | None = None
    ended_at: datetime | None = Field(default=None, sa_type=UTC_DATETIME)
    updated_at: datetime = Field(sa_type=UTC_DATETIME, description="`at` of the change")
    src_offset: int = Field(sa_type=BigInteger, description="offset of the pbx-changes record")


class PbxSession(PbxSessionRow, table=True):
    """pbx_sessions: one row per session, in its latest state."""

    __tablename__ = "pbx_sessions"
    __table_args__ = (
        Index("ix_pbx_sessions_pbx", "client_id", "pbx_id"),
        Index("ix_pbx_sessions_state", "state"),
    )


class PbxDeliveryRow(PbxRefColumns):
    """One attempt to deliver a PBX event to a session's callback (`DeliveryAttempt`)."""

    id: str = Field(primary_key=True, description="{session_id}:{seq}:{attempt}")
    session_id: str
    seq: int = Field(sa_type=BigInteger, ge=0, le=INT64_MAX, description="the event's number")
    event: str
    version: str
    url: str
    attempt: int = Field(ge=0, le=INT32_MAX)
    outcome: str
    status: int | None = Field(default=None, sa_type=SmallInteger, ge=0, le=INT16_MAX)
    error: str | None = None
    received_at: datetime = Field(sa_type=UTC_DATETIME, description="when the hub got the event")
    at: datetime = Field(sa_type=UTC_DATETIME, description="when the attempt ended")
    at_ms: int = Field(sa_type=BigInteger)
    day: date
    minute: datetime = Field(sa_type=UTC_DATETIME, description="at to the minute")
    latency_ms: int = Field(ge=-INT32_MAX, le=INT32_MAX)


class PbxDelivery(PbxDeliveryRow, table=True):
    """pbx_deliveries: every delivery attempt of every PBX event."""

    __tablename__ = "pbx_deliveries"
    __table_args__ = (
        Index("ix_pbx_deliveries_pbx_at", "client_id", "pbx_id", "at_ms"),
        Index("ix_pbx_deliveries_session", "session_id", "seq"),
        Index("ix_pbx_deliveries_at", "at_ms"),
    )


class PbxConnectionHealthRow(PbxRefColumns):
    """A change of a PBX's upstream connection state (`PbxConnectionEvent`), keyed by its id."""

    id: str = Field(primary_key=True, description="{client_id}/pbx/{pbx_id}/{at}/{to_state}")
    pbx_name: str | None = None
    from_state: str | None = None
    to_state: str
    reason: str
    at: datetime = Field(sa_type=UTC_DATETIME)
    at_ms: int = Field(sa_type=BigInteger)
    day: date


class PbxConnectionHealth(PbxConnectionHealthRow, table=True):
    """pbx_connection_health: every state change of every PBX's upstream connection."""

    __tablename__ = "pbx_connection_health"
    __table_args__ = (
        Index("ix_pbx_connection_health_pbx_at", "client_id", "pbx_id", "at_ms"),
        Index("ix_pbx_connection_health_day", "day"),
    )


class ClientTransitionRow(SQLModel):
    """A change of a relay client's health (`ClientHealthEvent`), keyed by the event's id."""

    id: str = Field(primary_key=True, description="{client_id}/client/{at}/{to_health}")
    client_id: str
    from_health: str | None = None
    to_health: str
    reason: str
    at: datetime = Field(sa_type=UTC_DATETIME)
    at_ms: int = Field(sa_type=BigInteger)
    day: date
    profiles: str = Field(description="the profiles it names: inbound/7,outbound/2")


class ClientTransition(ClientTransitionRow, table=True):
    """client_health_transitions: every health change of every relay client."""

    __tablename__ = "client_health_transitions"
    __table_args__ = (
        Index("ix_client_health_transitions_client_at", "client_id", "at_ms"),
        Index("ix_client_health_transitions_day", "day"),
    )


class AlertDeliveryRow(SQLModel):
    """One attempt to send an alert to a customer's channel (`ChannelAttempt`)."""

    id: str = Field(primary_key=True, description="{alert id}@{channel}#{attempt}")
    client_id: str
    channel: str
    kind: str
    alert_id: str
    event: str
    attempt: int = Field(ge=0, le=INT32_MAX)
    outcome: str
    status: int | None = Field(default=None, sa_type=SmallInteger, ge=0, le=INT16_MAX)
    error: str | None = None
    at: datetime = Field(sa_type=UTC_DATETIME, description="when the attempt ended")
    at_ms: int = Field(sa_type=BigInteger)
    day: date
    latency_ms: int = Field(ge=-INT32_MAX, le=INT32_MAX)


class AlertDelivery(AlertDeliveryRow, table=True):
    """alert_deliveries: every attempt to send an alert to a channel."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        Index("ix_alert_deliveries_channel_at", "client_id", "channel", "at_ms"),
        Index("ix_alert_deliveries_at", "at_ms"),
    )


class SinkProgress(SQLModel, table=True):
    """sink_progress: the next heartbeat offset per partition already counted in rollups.

    Written in the rollups' own transaction, so a batch read again after a crash (its
    Kafka offsets were not committed yet) is not counted twice.
    """

    __tablename__ = "sink_progress"

    topic: str = Field(primary_key=True)
    partition: int = Field(primary_key=True)
    next_offset: int = Field(sa_type=BigInteger)
