"""Configuration and state of customers and profiles, as the admin API and tables hold them."""

from datetime import datetime
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from schemas import enums
from schemas.enums import ProfileType
from schemas.health import DEFAULT_GRACE_S, DEFAULT_INTERVAL_S, Timing, Window
from schemas.netdatetime import NetDate
from schemas.relay import (
    InboundProfileBase,
    OutboundProfileBase,
    RelayInboundProfile,
    RelayOutboundProfile,
)
from schemas.schedule import Schedule as WeeklySchedule

Part = TypeVar("Part", bound=BaseModel)


class CustomerConfig(BaseModel):
    """A customer as the operator configures it (`PUT /admin/customers/{clientId}`)."""

    model_config = ConfigDict(extra="ignore")

    RelayCustomerID: int = Field(ge=0, le=2**31 - 1)
    Name: str = Field(min_length=1, max_length=200)
    HeartbeatIntervalSeconds: int = Field(default=DEFAULT_INTERVAL_S, ge=1, le=7 * 24 * 3600)
    GracePeriodSeconds: int = Field(default=DEFAULT_GRACE_S, ge=0, le=7 * 24 * 3600)
    Schedule: WeeklySchedule | None = Field(
        default=None, description="when its profiles are expected to run (outside: paused)"
    )


class InboundConfig(BaseModel):
    """An inbound profile's configuration, tagged with its type."""

    profile_type: Literal[ProfileType.Inbound] = ProfileType.Inbound
    wire: InboundProfileBase
    timing: Timing = Field(default_factory=Timing)

    @property
    def profile_id(self) -> int:
        """The profile's id within its customer and type."""
        return self.wire.RelayInboundProfileID


class OutboundConfig(BaseModel):
    """An outbound profile's configuration, tagged with its type."""

    # Alike InboundConfig on purpose: the two members of a tagged union, each with its tag,
    # its wire model and the wire name of its id.

    profile_type: Literal[ProfileType.Outbound] = ProfileType.Outbound
    wire: OutboundProfileBase
    timing: Timing = Field(default_factory=Timing)

    @property
    def profile_id(self) -> int:
        """The profile's id within its customer and type."""
        return self.wire.RelayOutboundProfileID


def _part(model: type[Part], body: BaseModel) -> Part:
    """`model`'s fields of `body`; only those the body gave count as set (timing inherits)."""
    given = body.model_fields_set & model.model_fields.keys()
    return model.model_validate({name: getattr(body, name) for name in given})


class InboundProfileBody(RelayInboundProfile, Timing):
    """Body of `PUT .../profiles/inbound/{id}`: the configuration and its timing overrides.

    Every member of the profile as answers carry it is known, so one read back from an
    answer can be sent; its state members are ignored.
    """

    def split(self) -> tuple[InboundProfileBase, Timing]:
        """The configuration as clients receive it, and the timing overrides."""
        return _part(InboundProfileBase, self), _part(Timing, self)


class OutboundProfileBody(RelayOutboundProfile, Timing):
    """Body of `PUT .../profiles/outbound/{id}`, likewise."""

    def split(self) -> tuple[OutboundProfileBase, Timing]:
        """The configuration as clients receive it, and the timing overrides."""
        return _part(OutboundProfileBase, self), _part(Timing, self)


ProfileConfig = Annotated[InboundConfig | OutboundConfig, Field(discriminator="profile_type")]


class CustomerProfiles(BaseModel):
    """Every configured (not deleted) profile of one customer, by id."""

    inbound: dict[int, InboundProfileBase] = Field(default_factory=dict)
    outbound: dict[int, OutboundProfileBase] = Field(default_factory=dict)
    timing: dict[str, Timing] = Field(default_factory=dict, description="overrides, by key")
    maintenance: dict[str, list[Window]] = Field(default_factory=dict, description="by key")


class ReportedState(BaseModel):
    """What a profile last reported through heartbeats."""

    ServerStatus: enums.ServerStatus | None = None
    LastHeartbeatDateTime: NetDate | None = None
    LastTransactionId: str | None = None
    LastTransactionDateTime: NetDate | None = None
    LastError: str | None = None
    LastErrorDateTime: NetDate | None = None


class CustomerStates(BaseModel):
    """The reported state of each profile of one customer, by id."""

    inbound: dict[int, ReportedState] = Field(default_factory=dict)
    outbound: dict[int, ReportedState] = Field(default_factory=dict)

    def of(self, ptype: ProfileType) -> dict[int, ReportedState]:
        """The states of one profile type."""
        return self.inbound if ptype is ProfileType.Inbound else self.outbound


class CustomerView(BaseModel):
    """`GET /admin/customers/{clientId}`: the customer, its profiles and their state."""

    client_id: str
    customer: CustomerConfig
    profiles: CustomerProfiles
    states: CustomerStates
    as_of: datetime
