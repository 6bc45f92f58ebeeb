"""A relay client's health: one transition for the client, its profiles' covered."""

from datetime import UTC, datetime, timedelta

from processors.relay.customer_health import refresh
from schemas.events import ClientHealthEvent, Health, HealthEvent
from schemas.health import CustomerHealth, view_of
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import InboundProfileBase, OutboundProfileBase

T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
CONFIG = CustomerConfig(RelayCustomerID=1, Name="c", HeartbeatIntervalSeconds=60)
PROFILES = CustomerProfiles(
    inbound={
        7: InboundProfileBase(RelayInboundProfileID=7, Active=True, ProfileName="lab",
                              AlertEmailList="lab@acme.example"),
        8: InboundProfileBase(RelayInboundProfileID=8, Active=True, ProfileName="adt"),
    },
    outbound={2: OutboundProfileBase(RelayOutboundProfileID=2, Active=True,
                                     AlertEmailList="ops@acme.example")},
)  # fmt: skip


def heard(at: datetime, *, without: int | None = None) -> CustomerStates:
    """Every profile heard at `at`, but inbound `without` (heard at T0 only)."""
    inbound = {pid: ReportedState(LastHeartbeatDateTime=T0 if pid == without else at)
               for pid in (7, 8)}  # fmt: skip
    return CustomerStates(inbound=inbound, outbound={2: ReportedState(LastHeartbeatDateTime=at)})


def at(current: CustomerHealth, states: CustomerStates, seconds: float) -> CustomerHealth:
    now = T0 + timedelta(seconds=seconds)
    return refresh(current, "acme", (CONFIG, PROFILES, states, None), now)


def stored(health: CustomerHealth) -> CustomerHealth:
    """As the table holds it once its outbox is published."""
    return health.model_copy(update={"outbox": []})


def up() -> CustomerHealth:
    return stored(at(at(CustomerHealth(), CustomerStates(), 0), heard(T0), 0))


def test_a_silent_client_is_one_down_naming_its_profiles_theirs_covered() -> None:
    down = at(up(), heard(T0), 100)
    clients = [e for e in down.outbox if isinstance(e, ClientHealthEvent)]
    profiles = [e for e in down.outbox if isinstance(e, HealthEvent)]
    (client,) = clients
    assert (client.from_health, client.to_health) == (Health.up, Health.down)
    assert client.at == T0 + timedelta(seconds=90)  # dated at its deadline
    named = [(p.profile_type.name, p.profile_id, p.health) for p in client.profiles]
    assert named == [("Inbound", 7, Health.down), ("Inbound", 8, Health.down),
                     ("Outbound", 2, Health.down)]  # fmt: skip
    assert client.alert_email_list == "lab@acme.example,ops@acme.example"
    assert len(profiles) == 3
    assert all(p.covered and p.to_health is Health.down for p in profiles)


def test_heard_again_it_is_one_up_and_the_profiles_recoveries_are_covered() -> None:
    down = stored(at(up(), heard(T0), 100))
    back = at(down, heard(T0 + timedelta(seconds=120)), 120)
    (client,) = [e for e in back.outbox if isinstance(e, ClientHealthEvent)]
    assert (client.from_health, client.to_health) == (Health.down, Health.up)
    assert len(client.profiles) == 3
    assert all(e.covered for e in back.outbox if isinstance(e, HealthEvent))


def test_a_profile_missing_from_heartbeats_that_arrive_alerts_on_its_own() -> None:
    missing = at(up(), heard(T0 + timedelta(seconds=95), without=8), 100)
    assert not [e for e in missing.outbox if isinstance(e, ClientHealthEvent)]
    (event,) = [e for e in missing.outbox if isinstance(e, HealthEvent)]
    assert (event.profile_id, event.to_health, event.covered) == (8, Health.down, False)
    assert missing.client is not None
    assert missing.client.health is Health.up


def test_the_health_view_shows_the_client_and_counts_it_in_the_worst() -> None:
    view = view_of(stored(at(up(), heard(T0), 70)))
    assert view.client is not None
    assert (view.client.health, view.customer) == (Health.late, Health.late)


def test_a_client_whose_every_profile_is_paused_is_paused() -> None:
    inactive = CustomerProfiles(inbound={7: InboundProfileBase(RelayInboundProfileID=7)})
    health = refresh(CustomerHealth(), "acme", (CONFIG, inactive, heard(T0), None), T0)
    assert health.client is not None
    assert health.client.health is Health.paused
    assert not [e for e in health.outbox if isinstance(e, ClientHealthEvent)]  # not told


def test_a_client_due_while_the_hub_was_blind_gets_an_interval_from_its_end() -> None:
    outage = ((T0 + timedelta(seconds=30), T0 + timedelta(seconds=120)),)
    ctx = (CONFIG, PROFILES, heard(T0), None)
    still = refresh(up(), "acme", ctx, T0 + timedelta(seconds=170), outage)
    assert (still.client.health if still.client else None, still.outbox) == (Health.up, [])
    late = refresh(up(), "acme", ctx, T0 + timedelta(seconds=180), outage)
    assert late.client is not None
    assert late.client.health is Health.late
