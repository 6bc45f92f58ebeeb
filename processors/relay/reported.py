"""Fold relay heartbeats into each profile's last reported state."""

from collections.abc import Iterable
from datetime import datetime
from typing import TypeVar

from schemas.profiles import CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import ProfileHeartbeatData

T = TypeVar("T")
_EMPTY = ReportedState()


def is_configured(profiles: CustomerProfiles, item: ProfileHeartbeatData) -> bool:
    """Whether the heartbeat entry names a profile the customer has (not deleted)."""
    table = profiles.inbound if item.ProfileType == 1 else profiles.outbound
    return item.ProfileId in table


def carries_all(profiles: CustomerProfiles, items: Iterable[ProfileHeartbeatData]) -> bool:
    """Whether the heartbeat has an entry for every configured profile."""
    carried = {(int(i.ProfileType), i.ProfileId) for i in items}
    return all((1, p) in carried for p in profiles.inbound) and all(
        (2, p) in carried for p in profiles.outbound
    )


def fold(previous: ReportedState | None, item: ProfileHeartbeatData, at: datetime) -> ReportedState:
    """The state after one heartbeat entry.

    A field the client leaves null keeps its last known value: a client that restarts
    reports no transaction yet, and dashboards still want the last one seen.
    """
    prev = previous or _EMPTY
    # Every part is already validated (the wire decoder, the table); skip doing it again.
    return ReportedState.model_construct(
        ServerStatus=item.ServerStatus,
        LastHeartbeatDateTime=at,
        LastTransactionId=_keep(item.LastTransactionId, prev.LastTransactionId),
        LastTransactionDateTime=_keep(item.LastTransactionDateTime, prev.LastTransactionDateTime),
        LastError=_keep(item.LastError, prev.LastError),
        LastErrorDateTime=_keep(item.LastErrorDateTime, prev.LastErrorDateTime),
    )


def _keep(new: T | None, old: T | None) -> T | None:
    return new if new is not None else old


def apply_heartbeat(
    states: CustomerStates,
    profiles: CustomerProfiles,
    items: Iterable[ProfileHeartbeatData],
    at: datetime,
) -> CustomerStates:
    """The customer's states after a heartbeat received at `at`.

    Entries for unknown profiles are ignored, and so is a heartbeat older than the one
    already applied, which makes a replay after a crash change nothing.
    """
    # Shallow copies: ReportedState values are never mutated, only replaced.
    result = CustomerStates.model_construct(
        inbound=dict(states.inbound), outbound=dict(states.outbound)
    )
    for item in items:
        if not is_configured(profiles, item):
            continue
        table = result.of(item.ProfileType)
        previous = table.get(item.ProfileId)
        if previous and previous.LastHeartbeatDateTime and previous.LastHeartbeatDateTime > at:
            continue
        table[item.ProfileId] = fold(previous, item, at)
    return result


def prune(states: CustomerStates, profiles: CustomerProfiles) -> CustomerStates:
    """Drop the state of profiles that were deleted."""
    return CustomerStates(
        inbound={k: v for k, v in states.inbound.items() if k in profiles.inbound},
        outbound={k: v for k, v in states.outbound.items() if k in profiles.outbound},
    )
