"""Mapping the hub's messages to SQL rows (pure functions, no database).

Each function names every column it sets, though many copy a field of the same name: a
row differs from its record in types (enumerations as text, times in UTC, derived
columns), and the two change apart (a table by a migration, a record with its topic's
readers), so a copy by name would hide the one place where they meet.
"""

from datetime import UTC, datetime

from schemas.alert_delivery import ChannelAttempt
from schemas.events import (
    FINAL_COMMAND_STATES,
    ClientHealthEvent,
    CommandEvent,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.pbx_topics import DeliveryAttempt, PbxChange
from schemas.topics import CustomerUpserted, ProfileDeleted, ProfileUpserted
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

ProfileKey = tuple[str, int, int]
"""(client_id, profile_type, profile_id)."""
PbxKey = tuple[str, str]
"""(client_id, pbx_id)."""


def utc(d: datetime) -> datetime:
    """The same instant as a plain `datetime` in UTC (SQLite stores the wall time as given)."""
    u = d.astimezone(UTC) if d.tzinfo is not None else d.replace(tzinfo=UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, UTC)


def utc_or_none(d: datetime | None) -> datetime | None:
    """`utc(d)`, passing None through."""
    return None if d is None else utc(d)


def epoch_ms(d: datetime) -> int:
    """Milliseconds since the Unix epoch."""
    return int(utc(d).timestamp() * 1000)


def customer_row(event: CustomerUpserted, offset: int) -> CustomerRow:
    """The customers row a customer upsert sets."""
    return CustomerRow(
        client_id=event.client_id,
        relay_customer_id=event.customer.RelayCustomerID,
        name=event.customer.Name,
        src_offset=offset,
    )


def profile_key(event: ProfileUpserted | ProfileDeleted) -> ProfileKey:
    """The key of the profile a config event is about."""
    if isinstance(event, ProfileDeleted):
        return event.client_id, int(event.profile_type), event.profile_id
    return event.client_id, int(event.profile.profile_type), event.profile.profile_id


def profile_row(event: ProfileUpserted, offset: int) -> ProfileRow:
    """The profiles row a profile upsert sets; `config` keeps every wire field."""
    wire = event.profile.wire
    client_id, ptype, pid = profile_key(event)
    return ProfileRow(
        client_id=client_id,
        profile_type=ptype,
        profile_id=pid,
        relay_customer_id=wire.RelayCustomerID,
        profile_name=wire.ProfileName,
        application_name=wire.ApplicationName,
        active=wire.Active,
        client_action_request=wire.ClientActionRequest,
        log_level=wire.LogLevel,
        alert_email_list=wire.AlertEmailList,
        config=wire.model_dump(mode="json"),
        src_offset=offset,
    )


def health_rows(event: HealthEvent) -> tuple[HealthTransitionRow, HealthStateRow]:
    """The health_transitions row of a health event, and the profile_state columns it sets."""
    at = utc(event.at)
    transition = HealthTransitionRow(
        id=event.id,
        client_id=event.client_id,
        profile_type=int(event.profile_type),
        profile_id=event.profile_id,
        from_health=None if event.from_health is None else str(event.from_health),
        to_health=str(event.to_health),
        reason=event.reason,
        at=at,
        at_ms=epoch_ms(at),
        day=at.date(),
        profile_name=event.profile_name,
    )
    state = HealthStateRow(
        client_id=event.client_id,
        profile_type=int(event.profile_type),
        profile_id=event.profile_id,
        health=str(event.to_health),
        health_since=at,
        health_reason=event.reason,
    )
    return transition, state


def command_rows(event: CommandEvent) -> tuple[CommandRow, CommandHistoryRow]:
    """The commands row (state after this change) and the command_history row of the change."""
    at, created = utc(event.at), utc(event.created_at)
    current = CommandRow(
        command_id=event.command_id,
        seq=event.seq,
        client_id=event.client_id,
        profile_type=int(event.profile_type),
        profile_id=event.profile_id,
        command=event.command,
        state=str(event.state),
        final=event.state in FINAL_COMMAND_STATES,
        deliveries=event.deliveries,
        ttl_s=event.ttl_s,
        max_deliveries=event.max_deliveries,
        at=at,
        created_at=created,
        created_day=created.date(),
    )
    change = CommandHistoryRow(
        command_id=event.command_id, seq=event.seq, state=str(event.state),
        deliveries=event.deliveries, at=at,
    )  # fmt: skip
    return current, change


def pbx_row(change: PbxChange, offset: int) -> PbxRow:
    """The pbxes row a pbx-upserted change sets."""
    if change.pbx is None:
        raise ValueError(f"{change.kind} change {change.id} carries no configuration")
    return PbxRow(
        client_id=change.client_id, pbx_id=change.pbx_id, name=change.pbx.Name,
        serial_number=change.pbx.SerialNumber, deleted=False, updated_at=utc(change.at),
        src_offset=offset,
    )  # fmt: skip


def pbx_deleted_row(change: PbxChange, offset: int) -> PbxDeletedRow:
    """The pbxes columns a pbx-deleted change sets (the name and serial number stay)."""
    return PbxDeletedRow(
        client_id=change.client_id, pbx_id=change.pbx_id, deleted=True,
        updated_at=utc(change.at), src_offset=offset,
    )  # fmt: skip


def session_row(change: PbxChange, offset: int) -> PbxSessionRow:
    """The pbx_sessions row a session change sets: the session as the change shows it."""
    s = change.session
    if s is None:
        raise ValueError(f"{change.kind} change {change.id} carries no session")
    return PbxSessionRow(
        session_id=s.session_id,
        client_id=change.client_id,
        pbx_id=change.pbx_id,
        user_name=s.user,
        callback_url=s.callback_url,
        version=s.version,
        created=utc(s.created),
        last_seen=utc(s.last_seen),
        expires_at=utc(s.expires_at),
        state=str(s.state),
        end_reason=None if s.end_reason is None else str(s.end_reason),
        ended_at=utc_or_none(s.ended_at),
        updated_at=utc(change.at),
        src_offset=offset,
    )


def delivery_row(attempt: DeliveryAttempt) -> PbxDeliveryRow:
    """The pbx_deliveries row of one delivery attempt, keyed by the attempt's id."""
    at = utc(attempt.at)
    return PbxDeliveryRow(
        id=attempt.id,
        client_id=attempt.client_id,
        pbx_id=attempt.pbx_id,
        session_id=attempt.session_id,
        seq=attempt.seq,
        event=attempt.event,
        version=attempt.version,
        url=attempt.url,
        attempt=attempt.attempt,
        outcome=str(attempt.outcome),
        status=attempt.status,
        error=attempt.error,
        received_at=utc(attempt.received_at),
        at=at,
        at_ms=epoch_ms(at),
        day=at.date(),
        minute=at.replace(second=0, microsecond=0),
        latency_ms=round(attempt.latency_s * 1000),
    )


def connection_row(event: PbxConnectionEvent) -> PbxConnectionHealthRow:
    """The pbx_connection_health row of a PBX connection's state change, keyed by the event's id."""
    at = utc(event.at)
    return PbxConnectionHealthRow(
        id=event.id,
        client_id=event.client_id,
        pbx_id=event.pbx_id,
        pbx_name=event.pbx_name,
        from_state=event.from_state,
        to_state=event.to_state,
        reason=event.reason,
        at=at,
        at_ms=epoch_ms(at),
        day=at.date(),
    )


def channel_attempt_row(attempt: ChannelAttempt) -> AlertDeliveryRow:
    """The alert_deliveries row of one attempt to send an alert to a channel."""
    at = utc(attempt.at)
    return AlertDeliveryRow(
        id=attempt.id,
        client_id=attempt.client_id,
        channel=attempt.channel,
        kind=attempt.kind,
        alert_id=attempt.alert_id,
        event=attempt.event,
        attempt=attempt.attempt,
        outcome=str(attempt.outcome),
        status=attempt.status,
        error=attempt.error,
        at=at,
        at_ms=epoch_ms(at),
        day=at.date(),
        latency_ms=round(attempt.latency_s * 1000),
    )


def client_transition_row(event: ClientHealthEvent) -> ClientTransitionRow:
    """The client_health_transitions row of a relay client's health change."""
    at = utc(event.at)
    named = (f"{p.profile_type.name.lower()}/{p.profile_id}" for p in event.profiles)
    return ClientTransitionRow(
        id=event.id,
        client_id=event.client_id,
        from_health=None if event.from_health is None else str(event.from_health),
        to_health=str(event.to_health),
        reason=event.reason,
        at=at,
        at_ms=epoch_ms(at),
        day=at.date(),
        profiles=",".join(named),
    )
