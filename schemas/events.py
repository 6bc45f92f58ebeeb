"""Output topics: every change of a command's life and of a profile's health.

The processors publish these; the sinks (SQL, e-mail) consume them. Each event has a
stable `id`, so a sink that sees an event twice (a replay, an at-least-once retry)
can recognize it.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from schemas.alert_channels import StoredChannel
from schemas.enums import ProfileType

CommandName = Literal["start", "stop", "restart", "reload-configuration", "upload-logs"]


class CommandState(StrEnum):
    """Where a one-shot command is in its life."""

    queued = "queued"
    delivered = "delivered"
    acknowledged = "acknowledged"
    expired = "expired"
    failed = "failed"
    cancelled = "cancelled"


FINAL_COMMAND_STATES = frozenset(
    {CommandState.acknowledged, CommandState.expired, CommandState.failed, CommandState.cancelled}
)


class Health(StrEnum):
    """The health of a profile, computed by the processors."""

    new = "new"
    up = "up"
    late = "late"
    down = "down"
    stopped = "stopped"
    error = "error"
    paused = "paused"
    quiet = "quiet"


class ProfileRef(BaseModel):
    """Which profile an event is about."""

    client_id: str
    profile_type: ProfileType
    profile_id: int


class CommandEvent(ProfileRef):
    """A command changed state (`seq` counts the changes of one command from 0)."""

    kind: Literal["command"] = "command"
    command_id: str
    seq: int = Field(ge=0)
    command: CommandName
    state: CommandState
    deliveries: int = Field(ge=0)
    ttl_s: int
    max_deliveries: int
    created_at: datetime
    at: datetime

    @property
    def id(self) -> str:
        """Stable identity of this change."""
        return f"{self.command_id}/{self.seq}"


class HealthEvent(ProfileRef):
    """A profile's health changed."""

    kind: Literal["health"] = "health"
    from_health: Health | None = Field(description="None for the first computation")
    to_health: Health
    reason: str
    at: datetime
    profile_name: str | None = None
    alert_email_list: str | None = Field(
        default=None, description="the profile's AlertEmailList when the change happened"
    )
    customer_name: str | None = Field(default=None, description="the customer's Name then")
    channels: list[StoredChannel] = Field(
        default_factory=list,
        description="the customer's alert channels when the change happened (secrets sealed)",
    )
    covered: bool = Field(
        default=False,
        description="caused by its relay client's silence, which its ClientHealthEvent tells:"
        " no alert of its own",
    )

    @property
    def id(self) -> str:
        """Stable identity of this change."""
        return (
            f"{self.client_id}/{self.profile_type.name.lower()}/{self.profile_id}/"
            f"{self.at.isoformat()}/{self.to_health}"
        )


class ClientProfile(BaseModel):
    """A profile as a relay client's health event names it."""

    profile_type: ProfileType
    profile_id: int
    profile_name: str | None = None
    health: Health
    reason: str


class ClientHealthEvent(BaseModel):
    """A relay client's health changed: no heartbeat of it at all within the customer's
    interval (late) and grace (down), or heard again (up). One event for the client,
    naming its profiles, instead of one alert per profile (`HealthEvent.covered`)."""

    kind: Literal["client-health"] = "client-health"
    client_id: str
    from_health: Health | None = Field(description="None for the first computation")
    to_health: Health
    reason: str
    at: datetime
    profiles: list[ClientProfile] = Field(default_factory=list)
    alert_email_list: str | None = Field(
        default=None, description="its profiles' AlertEmailLists, joined"
    )
    customer_name: str | None = None
    channels: list[StoredChannel] = Field(default_factory=list)

    @property
    def id(self) -> str:
        """Stable identity of this change."""
        return f"{self.client_id}/client/{self.at.isoformat()}/{self.to_health}"


class PbxConnectionEvent(BaseModel):
    """A PBX's upstream connection changed state (`schemas.pbx_upstream.ConnectionState`).

    Published on the health-events topic beside `HealthEvent`, keyed by clientId.
    """

    kind: Literal["pbx-connection"] = "pbx-connection"
    client_id: str
    pbx_id: str
    pbx_name: str | None = None
    from_state: str | None = Field(description="None for the first state")
    to_state: str
    reason: str
    at: datetime
    alert_email_list: str | None = Field(
        default=None, description="the PBX's AlertEmailList, comma-separated"
    )

    @property
    def id(self) -> str:
        """Stable identity of this change."""
        return f"{self.client_id}/pbx/{self.pbx_id}/{self.at.isoformat()}/{self.to_state}"


class ChannelTest(BaseModel):
    """An operator asked for a test message on one of a customer's alert channels.

    Published on the health-events topic by the customer's worker, keyed by clientId: the
    alert sink sends it in the channel's order, like any alert, and records its attempt.
    """

    kind: Literal["channel-test"] = "channel-test"
    client_id: str
    customer_name: str | None = None
    channel: StoredChannel
    test_id: str = Field(min_length=1, max_length=64)
    at: datetime

    @property
    def id(self) -> str:
        """Stable identity of this test."""
        return f"{self.client_id}/test/{self.test_id}"


HealthTopicRecord = HealthEvent | ClientHealthEvent | PbxConnectionEvent | ChannelTest
HealthTopicEvent = Annotated[HealthTopicRecord, Field(discriminator="kind")]
"""A record of the health-events topic: a profile's or a relay client's health, a PBX
connection's state, or a channel's test."""
HEALTH_TOPIC_EVENT: TypeAdapter[HealthTopicRecord] = TypeAdapter(HealthTopicEvent)
