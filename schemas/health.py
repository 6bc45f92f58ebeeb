"""Profile health: timing settings, maintenance windows, and the health table's values."""

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, Field, model_validator

from schemas.enums import ProfileType
from schemas.events import ClientHealthEvent, Health, HealthEvent
from schemas.schedule import Schedule as WeeklySchedule

DEFAULT_INTERVAL_S = 60
DEFAULT_GRACE_S = 30
SEVERITY = {
    Health.up: 0,
    Health.paused: 1,
    Health.new: 2,
    Health.quiet: 3,
    Health.stopped: 4,
    Health.late: 5,
    Health.error: 6,
    Health.down: 7,
}
"""How bad each health is; a customer's health is its worst profile's."""


class Timing(BaseModel):
    """Expected heartbeat interval and grace period (None inherits the customer's), how
    long a started profile may move no transaction before it is `quiet` (None: never),
    and the weekly schedule it is expected to run in (None: the customer's)."""

    HeartbeatIntervalSeconds: int | None = Field(default=None, ge=1, le=7 * 24 * 3600)
    GracePeriodSeconds: int | None = Field(default=None, ge=0, le=7 * 24 * 3600)
    QuietAfterSeconds: int | None = Field(default=None, ge=60, le=30 * 24 * 3600)
    Schedule: WeeklySchedule | None = Field(
        default=None, description="when the profile is expected to run; else the customer's"
    )


class Window(BaseModel):
    """A maintenance window: the profile is `paused` from `start` until `end`."""

    start: datetime
    end: datetime
    reason: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class MaintenanceRequest(BaseModel):
    """Body of `PUT .../maintenance`: the profile's windows (an empty list clears them)."""

    windows: list[Window] = Field(max_length=100)


class ProfileHealth(BaseModel):
    """A profile's current health, since when and why."""

    health: Health
    since: datetime
    reason: str


class CustomerHealth(BaseModel):
    """Every profile's health, its relay client's, when the sweep must look again, and
    unsent events."""

    profiles: dict[str, ProfileHealth] = Field(default_factory=dict)
    client: ProfileHealth | None = Field(default=None, description="None until evaluated")
    next_check: datetime | None = None
    outbox: list[Annotated[HealthEvent | ClientHealthEvent, Field(discriminator="kind")]] = Field(
        default_factory=list
    )


class ProfileHealthView(BaseModel):
    """One profile in `GET /admin/customers/{clientId}/health`."""

    type: str
    id: int
    health: Health
    since: datetime
    reason: str


class PbxHealthView(BaseModel):
    """One PBX in the health view: up, error (deliveries failing) or down (no live session)."""

    id: str
    health: Health
    reason: str
    live_sessions: int
    pending_events: int
    upstream: str | None = Field(
        default=None, description="the upstream connection's state, when the PBX is connected"
    )


class ClientHealthView(BaseModel):
    """The relay client in the health view: heard within the customer's interval or not."""

    health: Health
    since: datetime
    reason: str


class HealthView(BaseModel):
    """`GET /admin/customers/{clientId}/health`: profiles, then PBXes; `customer` is the worst."""

    customer: Health
    client: ClientHealthView | None = None
    profiles: list[ProfileHealthView]
    pbxes: list[PbxHealthView] = Field(default_factory=list)


def with_pbxes(view: HealthView, pbxes: list[PbxHealthView]) -> HealthView:
    """The view with the customer's PBXes; `customer` becomes the worst of everything named."""
    healths = [p.health for p in pbxes] + ([view.customer] if view.profiles or not pbxes else [])
    worst = max(healths, key=SEVERITY.__getitem__)
    return view.model_copy(update={"customer": worst, "pbxes": pbxes})


def view_of(current: CustomerHealth) -> HealthView:
    """The admin view: the worst health first named, then every profile by type and id."""
    items = []
    for key, ph in current.profiles.items():
        ptype, pid = key.split("/")
        items.append(
            ProfileHealthView(
                type=ptype, id=int(pid), health=ph.health, since=ph.since, reason=ph.reason
            )
        )
    items.sort(key=lambda v: (ProfileType[v.type.capitalize()], v.id))
    worst = max((v.health for v in items), key=SEVERITY.__getitem__, default=Health.new)
    c = current.client
    client = (
        None if c is None else ClientHealthView(health=c.health, since=c.since, reason=c.reason)
    )
    if client is not None and SEVERITY[client.health] > SEVERITY[worst]:
        worst = client.health
    return HealthView(customer=worst, client=client, profiles=items)
