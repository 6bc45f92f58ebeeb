"""A heartbeat left unevaluated is one the full evaluation would not have changed."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.relay import customer_health, reported
from processors.relay.health_unchanged import unchanged
from schemas.enums import ProfileType, ServerStatus
from schemas.events import Health
from schemas.health import CustomerHealth, Window
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CONFIG = CustomerConfig(
    RelayCustomerID=1, Name="c", HeartbeatIntervalSeconds=60, GracePeriodSeconds=30
)
TIMES = [None, T0 - timedelta(seconds=40), T0 - timedelta(seconds=5), T0 + timedelta(seconds=3)]

entries = st.builds(
    lambda pid, ptype, status, error, error_at, tx_at: ProfileHeartbeatData.model_validate(
        {
            "ProfileId": pid,
            "ProfileType": ptype,
            "ServerStatus": status,
            "LastError": error,
            "LastErrorDateTime": error_at,
            "LastTransactionDateTime": tx_at,
        }
    ),
    st.sampled_from([1, 2]),
    st.sampled_from([1, 2]),
    st.sampled_from(list(ServerStatus)),
    st.sampled_from([None, "disk full"]),
    st.sampled_from(TIMES),
    st.sampled_from(TIMES),
)


def inbound_of(active: list[bool]) -> list[tuple[int, bool]]:
    return [(1, active[0]), (2, active[1])]


def outbound_of(active: list[bool]) -> list[tuple[int, bool]]:
    return [(1, active[2]), (2, active[3])]


def profiles_of(active: list[bool], window: bool) -> CustomerProfiles:
    """Inbound 1 and 2 and outbound 1 and 2, active as given; inbound 1 maybe in a window."""
    windows = {"inbound/1": [Window(start=T0, end=T0 + timedelta(minutes=5))]} if window else {}
    inbound = {
        p: InboundProfileBase(RelayInboundProfileID=p, Active=a) for p, a in inbound_of(active)
    }
    outbound = {
        p: OutboundProfileBase(RelayOutboundProfileID=p, Active=a) for p, a in outbound_of(active)
    }
    return CustomerProfiles(inbound=inbound, outbound=outbound, maintenance=windows)


@settings(max_examples=400, deadline=None)
@given(
    active=st.lists(st.booleans(), min_size=4, max_size=4),
    window=st.booleans(),
    first=st.lists(entries, max_size=4),
    second=st.lists(entries, min_size=1, max_size=4),
    gap_s=st.sampled_from([1, 20, 59, 61, 95, 400]),
    evaluated_s=st.sampled_from([0, 30, 70]),
)
def test_a_heartbeat_left_unevaluated_would_have_changed_nothing(
    active: list[bool],
    window: bool,
    first: list[ProfileHeartbeatData],
    second: list[ProfileHeartbeatData],
    gap_s: int,
    evaluated_s: int,
) -> None:
    profiles = profiles_of(active, window)
    before = reported.apply_heartbeat(CustomerStates(), profiles, first, T0)
    # Health as stored: evaluated some time after the first heartbeat, its outbox sent.
    evaluated_at = T0 + timedelta(seconds=evaluated_s)
    stored = customer_health.refresh(
        CustomerHealth(), "c", (CONFIG, profiles, before, None), evaluated_at
    ).model_copy(update={"outbox": []})
    at = evaluated_at + timedelta(seconds=gap_s)
    after = reported.apply_heartbeat(before, profiles, second, at)
    if unchanged(stored, before, after, at):
        assert customer_health.refresh(stored, "c", (CONFIG, profiles, after, None), at) is stored


def test_the_common_heartbeat_is_left_unevaluated() -> None:
    profiles = profiles_of([True, True, True, True], window=False)
    beat = [
        ProfileHeartbeatData(ProfileId=p, ProfileType=t, ServerStatus=ServerStatus.Started)
        for p in (1, 2)
        for t in ProfileType
    ]
    before = reported.apply_heartbeat(CustomerStates(), profiles, beat, T0)
    stored = customer_health.refresh(CustomerHealth(), "c", (CONFIG, profiles, before, None), T0)
    stored = stored.model_copy(update={"outbox": []})
    assert {p.health for p in stored.profiles.values()} == {Health.up}
    later = T0 + timedelta(seconds=20)
    assert unchanged(stored, before, reported.apply_heartbeat(before, profiles, beat, later), later)


def test_a_late_profile_heard_again_is_evaluated() -> None:
    profiles = profiles_of([True, False, False, False], window=False)
    beat = [
        ProfileHeartbeatData(
            ProfileId=1, ProfileType=ProfileType.Inbound, ServerStatus=ServerStatus.Started
        )
    ]
    before = reported.apply_heartbeat(CustomerStates(), profiles, beat, T0)
    late_at = T0 + timedelta(seconds=70)
    stored = customer_health.refresh(
        CustomerHealth(), "c", (CONFIG, profiles, before, None), late_at
    ).model_copy(update={"outbox": []})
    assert stored.profiles["inbound/1"].health is Health.late
    heard = late_at + timedelta(seconds=1)
    assert not unchanged(
        stored, before, reported.apply_heartbeat(before, profiles, beat, heard), heard
    )
