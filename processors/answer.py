"""Build the heartbeat answer (`ProfileListResponseData`) from a customer's tables."""

from schemas.enums import ResponseStatus
from schemas.profiles import CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import (
    InboundProfileBase,
    OutboundProfileBase,
    ProfileHeartbeatData,
    ProfileListResponseData,
    RelayInboundProfile,
    RelayOutboundProfile,
)

_NONE = ReportedState()


def _state_fields(state: ReportedState | None) -> dict[str, object]:
    s = state or _NONE
    return {
        "ServerStatus": int(s.ServerStatus or 0),
        "LastTransactionDateTime": s.LastTransactionDateTime,
        "PendingHeartbeatCommand": 0,
        "LastHeartbeatDateTime": s.LastHeartbeatDateTime,
    }


def inbound(cfg: InboundProfileBase, state: ReportedState | None) -> RelayInboundProfile:
    """One inbound profile as the client receives it."""
    return RelayInboundProfile.model_validate({**dict(cfg), **_state_fields(state)})


def outbound(cfg: OutboundProfileBase, state: ReportedState | None) -> RelayOutboundProfile:
    """One outbound profile as the client receives it."""
    return RelayOutboundProfile.model_validate({**dict(cfg), **_state_fields(state)})


def unknown_entries(profiles: CustomerProfiles, items: list[ProfileHeartbeatData]) -> list[str]:
    """Heartbeat entries naming profiles the customer does not have, for the log message."""
    out: list[str] = []
    for item in items:
        table = profiles.inbound if item.ProfileType == 1 else profiles.outbound
        if item.ProfileId not in table:
            out.append(f"{item.ProfileType.name} {item.ProfileId}")
    return sorted(set(out))


def build(
    profiles: CustomerProfiles, states: CustomerStates, items: list[ProfileHeartbeatData]
) -> ProfileListResponseData:
    """The answer: every configured profile, inactive ones included, ordered by id."""
    unknown = unknown_entries(profiles, items)
    message = "Heartbeat accepted."
    if unknown:
        message += " Not configured, ignored: " + ", ".join(unknown) + "."
    return ProfileListResponseData(
        InboundProfileList=[
            inbound(cfg, states.inbound.get(pid)) for pid, cfg in sorted(profiles.inbound.items())
        ],
        OutboundProfileList=[
            outbound(cfg, states.outbound.get(pid))
            for pid, cfg in sorted(profiles.outbound.items())
        ],
        ResponseStatus=ResponseStatus.Success,
        LogMessage=message,
    )
