"""Alerts on their way to a customer's channels: each channel's queue, and each attempt.

A channel's alerts go out one at a time, in order: the head of its queue is POSTed,
and the attempt is published to the `alert-deliveries` topic (keyed by clientId); the
alert sink folds that record, which pops the head or sets the next try. The record is
thus both the history (for SQL and whoever reads the topic) and the step of the queue.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.alert_bodies import Alert
from schemas.alert_channels import StoredChannel

MAX_QUEUED = 1000
"""Alerts a channel keeps waiting at most; past it the oldest is dropped (and logged)."""
GIVE_UP_AFTER = timedelta(days=1)
"""An alert not delivered within a day of being queued is given up (`expired`)."""


class AttemptOutcome(StrEnum):
    """How one attempt ended: only `failed` is tried again."""

    delivered = "delivered"
    failed = "failed"
    denied = "denied"
    expired = "expired"


class QueuedAlert(BaseModel):
    """An alert waiting for one channel, since `queued_at`."""

    alert: Alert
    queued_at: datetime


class ChannelQueue(BaseModel):
    """One channel's alerts not yet delivered, oldest first, and when to try the head."""

    channel: StoredChannel
    alerts: list[QueuedAlert] = Field(default_factory=list)
    failures: int = 0
    next_at: datetime | None = None

    def due(self, now: datetime) -> bool:
        """Whether the head may be tried now."""
        return bool(self.alerts) and (self.next_at is None or self.next_at <= now)


class ChannelAttempt(BaseModel):
    """One POST of an alert to a channel (or its giving up), as published and folded."""

    id: str = Field(description="`{alert id}@{channel}#{attempt}`: stable across a resend")
    client_id: str
    channel: str
    kind: str
    alert_id: str
    event: str
    attempt: int
    outcome: AttemptOutcome
    status: int | None = None
    error: str | None = None
    at: datetime
    latency_s: float = 0.0


def queue_key(client_id: str, channel: str) -> str:
    """The channel-queues table's key of a customer's channel."""
    return f"{client_id}/{channel}"
