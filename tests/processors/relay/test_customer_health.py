"""Folding verdicts into a customer's health: transitions, and a partition taken over."""

from datetime import UTC, datetime, timedelta

from processors.relay.customer_health import refresh
from schemas.events import Health
from schemas.health import CustomerHealth
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import InboundProfileBase

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CONFIG = CustomerConfig(RelayCustomerID=1, Name="c", HeartbeatIntervalSeconds=60)
PROFILES = CustomerProfiles(inbound={7: InboundProfileBase(RelayInboundProfileID=7, Active=True)})
HEARD = CustomerStates(inbound={7: ReportedState(LastHeartbeatDateTime=T0)})


def health_at(current: CustomerHealth, states: CustomerStates, now: datetime) -> CustomerHealth:
    return refresh(current, "c1", (CONFIG, PROFILES, states, None), now)


def told(health: CustomerHealth) -> list[tuple[str, Health]]:
    """What the outbox holds: each event's kind and the health it moves to."""
    return [(e.kind, e.to_health) for e in health.outbox]


def test_a_first_heartbeat_moves_new_to_up_with_its_deadline() -> None:
    new = health_at(CustomerHealth(), CustomerStates(), T0)
    up = health_at(new, HEARD, T0)
    assert told(up) == [("health", Health.new), ("health", Health.up), ("client-health", Health.up)]
    assert up.next_check == T0 + timedelta(seconds=60)


def test_a_profile_heard_before_keeps_its_health_while_its_state_is_read_again() -> None:
    up = health_at(health_at(CustomerHealth(), HEARD, T0), HEARD, T0)
    stored = up.model_copy(update={"outbox": []})
    # A worker that took the partition over: health says up, the state is not folded yet.
    after = health_at(stored, CustomerStates(), T0 + timedelta(seconds=5))
    assert after is stored  # nothing published, nothing written
    again = health_at(after, HEARD, T0 + timedelta(seconds=6))
    assert again is stored  # the heartbeat read again: still up, no transition


def test_its_deadline_still_passes_when_the_state_is_read_again_late() -> None:
    up = health_at(CustomerHealth(), HEARD, T0).model_copy(update={"outbox": []})
    late = health_at(up, HEARD, T0 + timedelta(seconds=61))
    assert told(late) == [("health", Health.late), ("client-health", Health.late)]


def test_a_profile_never_heard_from_is_still_new() -> None:
    paused_profile = CustomerProfiles(inbound={7: InboundProfileBase(RelayInboundProfileID=7)})
    paused = refresh(CustomerHealth(), "c1", (CONFIG, paused_profile, CustomerStates(), None), T0)
    stored = paused.model_copy(update={"outbox": []})
    became_active = health_at(stored, CustomerStates(), T0)
    assert told(became_active) == [("health", Health.new)]  # a client becoming new is not told
