"""Operator orders for relay profiles: desired states and one-shot commands.

Orders travel on the `commands` topic (keyed by clientId); the processors keep each
customer's orders in the `commands` table and report every change of a command on
the `command-events` topic.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from schemas.enums import ClientAction, HeartbeatCommand, ProfileType
from schemas.events import CommandEvent, CommandName, CommandState

COMMAND_BYTES: dict[str, HeartbeatCommand] = {
    "start": HeartbeatCommand.START,
    "stop": HeartbeatCommand.STOP,
    "restart": HeartbeatCommand.RESTART,
    "reload-configuration": HeartbeatCommand.RELOAD_CONFIGURATION,
    "upload-logs": HeartbeatCommand.UPLOAD_LOGS,
}
MAX_TTL_S = 30 * 24 * 3600


def profile_key(ptype: ProfileType, pid: int) -> str:
    """The key of a profile within one customer: `inbound/7`."""
    return f"{ptype.name.lower()}/{pid}"


class DesiredStateRequest(BaseModel):
    """Body of `PUT .../desired-state`."""

    ClientActionRequest: ClientAction


class CommandRequest(BaseModel):
    """Body of `POST .../commands`."""

    command: CommandName
    ttl_s: int = Field(default=3600, gt=0, le=MAX_TTL_S)
    max_deliveries: int = Field(default=3, ge=1, le=1000)


class OrderBase(BaseModel):
    """What every order names: the profile, and when the hub received it."""

    client_id: str
    profile_type: ProfileType
    profile_id: int
    at: datetime

    @property
    def profile(self) -> str:
        """The profile's key within the customer."""
        return profile_key(self.profile_type, self.profile_id)


class DesiredStateSet(OrderBase):
    """The operator wants the profile started (1), stopped (2), or nothing (0)."""

    kind: Literal["desired-state"] = "desired-state"
    action: ClientAction


class CommandQueued(OrderBase):
    """A one-shot command joins the end of the profile's queue."""

    kind: Literal["command"] = "command"
    command_id: str
    command: CommandName
    ttl_s: int
    max_deliveries: int


class CommandCancelled(OrderBase):
    """The operator withdraws a command before it is acknowledged."""

    kind: Literal["cancel"] = "cancel"
    command_id: str


Order = Annotated[DesiredStateSet | CommandQueued | CommandCancelled, Field(discriminator="kind")]
ORDER = TypeAdapter(Order)


class StateChange(BaseModel):
    """One step of a command's life."""

    state: CommandState
    at: datetime
    deliveries: int


class CommandRecord(BaseModel):
    """A command and its whole history, as `GET .../commands/{id}` shows it."""

    id: str
    command: CommandName
    profile_type: ProfileType
    profile_id: int
    ttl_s: int
    max_deliveries: int
    created_at: datetime
    expires_at: datetime
    state: CommandState
    deliveries: int = 0
    history: list[StateChange]


class DesiredState(BaseModel):
    """The operator's desired state of one profile, and when it was reached."""

    action: ClientAction = ClientAction.NONE
    set_at: datetime | None = None
    reached_at: datetime | None = None

    @property
    def pending(self) -> ClientAction:
        """What answers carry in ClientActionRequest: the action until it is reached."""
        return ClientAction.NONE if self.reached_at else self.action


class CustomerCommands(BaseModel):
    """Every order of one customer: desired states, queues, commands, unsent events."""

    desired: dict[str, DesiredState] = Field(default_factory=dict)
    queues: dict[str, list[str]] = Field(default_factory=dict, description="ids, FIFO")
    commands: dict[str, CommandRecord] = Field(default_factory=dict)
    outbox: list[CommandEvent] = Field(
        default_factory=list, description="events recorded but not yet published"
    )
    heartbeat_offset: int = Field(
        default=-1,
        description="sequence number (heartbeat_records.seq) of the last heartbeat applied",
    )
    order_offset: int = Field(default=-1, description="last order record applied")


class Tick(BaseModel):
    """A sweep of one partition at the sending worker's `now`."""

    partition: int
    now: datetime
