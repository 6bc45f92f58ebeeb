"""A channel's queue: an alert added, an attempt folded (pure: the agents write the table).

A health event the e-mail policy alerts on (`sinks.email.policy.decide`) becomes one
`Alert` for each channel the customer had when it changed. Events that are not alerts
for a channel (`new`, `paused`) are not queued.
"""

import logging
from datetime import datetime, timedelta
from typing import Literal

from schemas.alert_bodies import Alert, AlertEvent, AlertProfile
from schemas.alert_channels import StoredChannel
from schemas.alert_delivery import (
    MAX_QUEUED,
    AttemptOutcome,
    ChannelAttempt,
    ChannelQueue,
    QueuedAlert,
)
from schemas.enums import ProfileType
from schemas.events import ChannelTest, ClientHealthEvent, Health, HealthEvent

log = logging.getLogger(__name__)
EVENTS = {
    Health.up: AlertEvent.up,
    Health.late: AlertEvent.late,
    Health.down: AlertEvent.down,
    Health.error: AlertEvent.error,
    Health.stopped: AlertEvent.stopped,
    Health.quiet: AlertEvent.quiet,
}
FIRST_RETRY_S = 2.0


def alert_of(event: HealthEvent | ClientHealthEvent) -> Alert | None:
    """The channels' alert for a profile's or relay client's change; None for a change no
    channel is told."""
    if isinstance(event, ClientHealthEvent):
        return _client_alert(event)
    kind = EVENTS.get(event.to_health)
    if kind is None:
        return None
    ptype: Literal["inbound", "outbound"] = (
        "inbound" if event.profile_type is ProfileType.Inbound else "outbound"
    )
    profile = AlertProfile(
        type=ptype,
        id=event.profile_id,
        name=event.profile_name,
        health=event.to_health,
        since=event.at,
        reason=event.reason,
    )
    return Alert(
        id=event.id,
        event=kind,
        client_id=event.client_id,
        customer_name=event.customer_name or event.client_id,
        subject="profile",
        profiles=[profile],
        at=event.at,
        incident=f"{event.client_id}/{ptype}/{event.profile_id}",
        resolved=kind is AlertEvent.up,
    )


def _client_alert(event: ClientHealthEvent) -> Alert | None:
    kind = EVENTS.get(event.to_health)
    if kind not in (AlertEvent.late, AlertEvent.down, AlertEvent.up):
        return None
    profiles = [
        AlertProfile(
            type="inbound" if p.profile_type is ProfileType.Inbound else "outbound",
            id=p.profile_id,
            name=p.profile_name,
            health=p.health,
            since=event.at,
            reason=p.reason,
        )
        for p in event.profiles
    ]
    return Alert(
        id=event.id,
        event=kind,
        client_id=event.client_id,
        customer_name=event.customer_name or event.client_id,
        subject="client",
        profiles=profiles,
        at=event.at,
        incident=f"{event.client_id}/client",
        resolved=kind is AlertEvent.up,
    )


def test_alert(event: ChannelTest) -> Alert:
    """The message an operator's test sends: the client's `down`, marked as a test, with an
    incident of its own (a PagerDuty test opens an incident of its own, never closes one)."""
    return Alert(
        id=event.id,
        event=AlertEvent.down,
        client_id=event.client_id,
        customer_name=event.customer_name or event.client_id,
        subject="client",
        at=event.at,
        incident=f"test/{event.client_id}/{event.test_id}",
        test=True,
    )


def enqueue(
    current: ChannelQueue | None, channel: StoredChannel, alert: Alert, now: datetime
) -> ChannelQueue:
    """The queue with `alert` at its end (once: a replayed event is not queued twice),
    under the channel's configuration as the event carried it."""
    alerts = list(current.alerts) if current is not None else []
    if any(q.alert.id == alert.id for q in alerts):
        return current if current is not None else ChannelQueue(channel=channel)
    alerts.append(QueuedAlert(alert=alert, queued_at=now))
    if len(alerts) > MAX_QUEUED:
        dropped = alerts.pop(0)
        log.warning(
            "channel %s of %s: queue full, dropped %s",
            channel.name,
            alert.client_id,
            dropped.alert.id,
        )
    failures = current.failures if current is not None else 0
    next_at = current.next_at if current is not None else None
    return ChannelQueue(channel=channel, alerts=alerts, failures=failures, next_at=next_at)


def fold_attempt(
    current: ChannelQueue, attempt: ChannelAttempt, retry_max_s: float
) -> ChannelQueue:
    """The queue after an attempt at its head; unchanged when the head is another alert
    (the attempt was folded before: a replay)."""
    if not current.alerts or current.alerts[0].alert.id != attempt.alert_id:
        return current
    if attempt.outcome is AttemptOutcome.failed:
        wait = min(FIRST_RETRY_S * 2 ** (current.failures), retry_max_s)
        return current.model_copy(
            update={
                "failures": current.failures + 1,
                "next_at": attempt.at + timedelta(seconds=wait),
            }
        )
    return current.model_copy(update={"alerts": current.alerts[1:], "failures": 0, "next_at": None})
