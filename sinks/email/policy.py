"""Which health events are mailed: alertable transitions and the flapping state machine.

The events are a profile's health changes (`HealthEvent`) and a PBX's upstream
connection changes (`PbxConnectionEvent`); both go through the same state machine,
each profile and each PBX with a state of its own.

Pure: no Kafka, no SMTP, no clock. Time is the events' own `at`, so a replay decides
exactly as the first pass did, and tests need no sleeps.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TypeAlias

from pydantic import BaseModel, Field

from schemas.events import ClientHealthEvent, Health, HealthEvent, PbxConnectionEvent
from schemas.pbx_upstream import ConnectionState

AlertEvent: TypeAlias = HealthEvent | ClientHealthEvent | PbxConnectionEvent


@dataclass(frozen=True, slots=True)
class AlertRules:
    """What alerts and when a profile (or a PBX connection) counts as flapping."""

    alert_healths: frozenset[Health]
    alert_connection_states: frozenset[ConnectionState]
    flap_max_transitions: int
    flap_window: timedelta


class AlertState(BaseModel):
    """One profile's or PBX connection's durable alerting state (the sink's table value)."""

    last_at: datetime | None = Field(default=None, description="`at` of the last event handled")
    transitions: list[datetime] = Field(
        default_factory=list, description="alertable transitions within the flapping window"
    )
    flapping_until: datetime | None = Field(
        default=None, description="set while flapping: mail resumes at or after this time"
    )
    suppressed: int = Field(default=0, ge=0, description="transitions not mailed while flapping")


class NoticeKind(StrEnum):
    """The kinds of message the sink sends."""

    transition = "transition"
    flapping = "flapping"
    stable = "stable"


@dataclass(frozen=True, slots=True)
class Notice:
    """A message to send about `event` (what it says depends on `kind`)."""

    kind: NoticeKind
    event: AlertEvent
    transitions: tuple[datetime, ...] = field(default=())
    suppressed: int = 0


@dataclass(frozen=True, slots=True)
class Decision:
    """What to send for one event, and the state to record once it has been sent."""

    state: AlertState
    notice: Notice | None
    # False when only `last_at` moved for an event that cannot alert: the table is not
    # written. Safe: `last_at` guards against mailing an alertable event twice, and every
    # alertable event records its own (a replayed non-alertable one mails nothing).
    record: bool = True


def profile_key(event: HealthEvent) -> str:
    """The table key of the event's profile: `client_id/type/id`."""
    return f"{event.client_id}/{event.profile_type.name.lower()}/{event.profile_id}"


def pbx_key(event: PbxConnectionEvent) -> str:
    """The table key of the event's PBX: `client_id/pbx/pbx_id` (no profile type is `pbx`)."""
    return f"{event.client_id}/pbx/{event.pbx_id}"


def state_key(event: AlertEvent) -> str:
    """The table key of what the event is about: a profile, a relay client
    (`client_id/client`, which no profile type is) or a PBX."""
    if isinstance(event, HealthEvent):
        return profile_key(event)
    if isinstance(event, ClientHealthEvent):
        return f"{event.client_id}/client"
    return pbx_key(event)


def utc(moment: datetime) -> datetime:
    """`moment` in UTC; a time without offset is taken as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def is_alertable(event: HealthEvent | ClientHealthEvent, alert_healths: frozenset[Health]) -> bool:
    """Whether the event moves the profile (or relay client) into, out of, or within the
    alerting healths."""
    if event.from_health == event.to_health:
        return False
    return event.to_health in alert_healths or event.from_health in alert_healths


def is_connection_alertable(
    event: PbxConnectionEvent, alert_states: frozenset[ConnectionState]
) -> bool:
    """Whether the event moves the PBX connection into, out of, or within the alerting states."""
    if event.from_state == event.to_state:
        return False
    return event.to_state in alert_states or event.from_state in alert_states


def alerts(event: AlertEvent, rules: AlertRules) -> bool:
    """Whether the event is an alertable change of its profile or PBX connection."""
    if isinstance(event, HealthEvent | ClientHealthEvent):
        return is_alertable(event, rules.alert_healths)
    return is_connection_alertable(event, rules.alert_connection_states)


def decide(state: AlertState | None, event: AlertEvent, rules: AlertRules) -> Decision | None:
    """The notice for `event` and the next state; None when the event was handled before."""
    state = state or AlertState()
    at = utc(event.at)
    if state.last_at is not None and at <= utc(state.last_at):
        return None
    alertable = alerts(event, rules)
    if state.flapping_until is not None:
        return _while_flapping(state, utc(state.flapping_until), event, alertable, rules)
    if not alertable:
        return Decision(state.model_copy(update={"last_at": at}), None, record=False)
    recent = [*_within(state.transitions, at, rules.flap_window), at]
    if len(recent) > rules.flap_max_transitions:
        flapping = AlertState(last_at=at, transitions=recent, flapping_until=at + rules.flap_window)
        return Decision(flapping, Notice(NoticeKind.flapping, event, transitions=tuple(recent)))
    return Decision(
        AlertState(last_at=at, transitions=recent), Notice(NoticeKind.transition, event)
    )


def _while_flapping(
    state: AlertState, until: datetime, event: AlertEvent, alertable: bool, rules: AlertRules
) -> Decision:
    at = utc(event.at)
    if at >= until:
        # Quiet for a whole window: the period is over. This event is the first news
        # of it, so one "stable again" message carries its change too.
        stable = AlertState(last_at=at, transitions=[at] if alertable else [])
        return Decision(stable, Notice(NoticeKind.stable, event, suppressed=state.suppressed))
    if not alertable:
        return Decision(state.model_copy(update={"last_at": at}), None, record=False)
    recent = [*_within(state.transitions, at, rules.flap_window), at]
    update = {
        "last_at": at,
        "transitions": recent,
        "flapping_until": at + rules.flap_window,
        "suppressed": state.suppressed + 1,
    }
    return Decision(state.model_copy(update=update), None)


def _within(times: list[datetime], at: datetime, window: timedelta) -> list[datetime]:
    return [t for t in times if utc(t) > at - window]
