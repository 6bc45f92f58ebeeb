"""Folding heartbeats into the last reported state of each profile."""

from datetime import UTC, datetime, timedelta

from processors.relay.reported import apply_heartbeat, carries_all, prune
from schemas.enums import ProfileType, ServerStatus
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PROFILES = CustomerProfiles(
    inbound={1: InboundProfileBase(RelayInboundProfileID=1)},
    outbound={2: OutboundProfileBase(RelayOutboundProfileID=2)},
)


def entry(pid: int, ptype: int, status: int, **kw: object) -> ProfileHeartbeatData:
    """One heartbeat entry."""
    return ProfileHeartbeatData.model_validate(
        {"ProfileId": pid, "ProfileType": ptype, "ServerStatus": status, **kw}
    )


def test_heartbeat_sets_status_and_time_of_configured_profiles_only() -> None:
    items = [entry(1, 1, 1), entry(2, 2, 6, LastError="boom"), entry(9, 1, 1)]
    states = apply_heartbeat(CustomerStates(), PROFILES, items, T0)
    assert states.inbound[1].ServerStatus is ServerStatus.Started
    assert states.inbound[1].LastHeartbeatDateTime == T0
    assert states.outbound[2].LastError == "boom"
    assert 9 not in states.inbound


def test_null_fields_keep_their_last_known_value() -> None:
    first = apply_heartbeat(CustomerStates(), PROFILES, [entry(1, 1, 1, LastTransactionId="a")], T0)
    later = T0 + timedelta(seconds=5)
    second = apply_heartbeat(first, PROFILES, [entry(1, 1, 2)], later)
    assert second.inbound[1].LastTransactionId == "a"
    assert second.inbound[1].ServerStatus is ServerStatus.Stopped
    assert second.inbound[1].LastHeartbeatDateTime == later


def test_an_older_heartbeat_replayed_after_a_newer_one_changes_nothing() -> None:
    newer = apply_heartbeat(CustomerStates(), PROFILES, [entry(1, 1, 2)], T0)
    replayed = apply_heartbeat(newer, PROFILES, [entry(1, 1, 1)], T0 - timedelta(seconds=1))
    assert replayed == newer


def test_input_state_is_not_mutated() -> None:
    before = CustomerStates()
    apply_heartbeat(before, PROFILES, [entry(1, 1, 1)], T0)
    assert before == CustomerStates()


def test_prune_drops_states_of_deleted_profiles() -> None:
    states = apply_heartbeat(CustomerStates(), PROFILES, [entry(1, 1, 1), entry(2, 2, 1)], T0)
    remaining = CustomerProfiles(inbound=PROFILES.inbound)
    pruned = prune(states, remaining)
    assert list(pruned.of(ProfileType.Inbound)) == [1]
    assert pruned.outbound == {}


def test_carries_all_only_when_every_configured_profile_has_an_entry() -> None:
    both = [entry(1, 1, 1), entry(2, 2, 1)]
    assert carries_all(PROFILES, both)
    assert carries_all(PROFILES, [*both, entry(9, 1, 1)])  # an unknown one besides
    assert not carries_all(PROFILES, both[:1])
    assert not carries_all(PROFILES, [entry(1, 2, 1), entry(2, 1, 1)])  # types swapped
