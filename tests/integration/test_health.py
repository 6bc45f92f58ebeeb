"""Profile health on the real broker, with the hub's clock moved instead of sleeping."""

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import wait_http
from schemas.clock import read_offset
from schemas.events import HealthEvent
from schemas.topics import TopicNames
from tests.integration.events import profile_health, read_events

WAIT_S = 30.0
P7 = "/profiles/inbound/7"


# The module's own hub (tests/integration/hub_fixtures.py: no SHARES_HUB): its tests
# move its clock.


def configure(hub: HubCluster, **profile: Any) -> str:
    """A customer (interval 60 s, grace 30 s) with inbound profile 7."""
    cid = f"cust-{uuid.uuid4().hex[:8]}"
    body = {
        "RelayCustomerID": 1,
        "Name": "C",
        "HeartbeatIntervalSeconds": 60,
        "GracePeriodSeconds": 30,
    }
    assert hub.admin("PUT", f"/customers/{cid}", body).ok
    wire = {"ProfileName": "lab", "Active": True, "AlertEmailList": "ops@example.org", **profile}
    assert hub.admin("PUT", f"/customers/{cid}{P7}", wire).ok
    return cid


def beat(hub: HubCluster, cid: str, status: int = 1, **extra: object) -> None:
    """A heartbeat reporting profile 7."""
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": status, **extra}])
    assert hub.heartbeat(cid, body, "application/json").status == 200


def health(hub: HubCluster, cid: str) -> dict[str, Any]:
    """`GET /admin/customers/{cid}/health`."""
    reply = hub.admin("GET", f"/customers/{cid}/health")
    assert reply.ok, reply.body
    found: dict[str, Any] = reply.json()
    return found


def transitions(hub: HubCluster, cid: str, expected: int) -> list[HealthEvent]:
    """The customer's recorded transitions on the health-events topic."""
    topic = TopicNames(hub.prefix).health_events
    return read_events(hub.bootstrap, topic, cid, profile_health, expected)


def path(events: list[HealthEvent]) -> list[str]:
    """The healths a profile went through."""
    return [e.to_health.value for e in events]


def wait_recorded(hub: HubCluster, cid: str, to: str) -> list[HealthEvent]:
    """Poll (bounded) until a transition to `to` is on the topic; the sweep runs each second."""
    deadline = time.monotonic() + WAIT_S
    while True:
        events = transitions(hub, cid, 0)
        if events and events[-1].to_health.value == to:
            return events
        assert time.monotonic() < deadline, path(events)


def test_a_silent_profile_goes_late_then_down_and_recovers(hub: HubCluster) -> None:
    cid = configure(hub)
    assert health(hub, cid)["profiles"][0]["health"] == "new"
    beat(hub, cid)
    assert health(hub, cid)["customer"] == "up"
    hub.advance_clock(61)
    late = wait_recorded(hub, cid, "late")
    hub.advance_clock(30)
    down = wait_recorded(hub, cid, "down")
    assert health(hub, cid)["customer"] == "down"
    beat(hub, cid)
    events = wait_recorded(hub, cid, "up")
    assert path(events) == ["new", "up", "late", "down", "up"]
    up_at = events[1].at
    assert late[-1].at == up_at + timedelta(seconds=60)
    assert down[-1].at == up_at + timedelta(seconds=90)
    assert events[3].from_health is not None
    assert events[3].from_health.value == "late"
    assert "no heartbeat since" in events[3].reason
    assert events[3].alert_email_list == "ops@example.org"
    assert events[3].profile_name == "lab"


def test_stopped_says_whether_it_was_desired(hub: HubCluster) -> None:
    cid = configure(hub)
    beat(hub, cid, status=2)
    view = health(hub, cid)["profiles"][0]
    assert (view["health"], view["reason"]) == ("stopped", "reported Stopped while desired running")
    hub.admin("PUT", f"/customers/{cid}{P7}/desired-state", {"ClientActionRequest": 2})
    assert health(hub, cid)["profiles"][0]["reason"] == "stopped, as desired"
    assert path(wait_recorded(hub, cid, "stopped")) == ["new", "stopped"]


def test_errors_reported_or_newer_than_the_last_transaction(hub: HubCluster) -> None:
    cid = configure(hub)
    beat(hub, cid, status=6, LastError="disk full")
    assert health(hub, cid)["profiles"][0]["reason"] == "reported Error: disk full"
    t = datetime.now(UTC)
    beat(
        hub,
        cid,
        LastErrorDateTime=(t + timedelta(seconds=5)).isoformat(),
        LastTransactionDateTime=t.isoformat(),
    )
    assert health(hub, cid)["profiles"][0]["health"] == "error"
    beat(hub, cid, LastTransactionDateTime=(t + timedelta(seconds=9)).isoformat())
    assert health(hub, cid)["profiles"][0]["health"] == "up"
    assert path(wait_recorded(hub, cid, "up")) == ["new", "error", "up"]


def test_inactive_and_maintenance_are_paused(hub: HubCluster) -> None:
    cid = configure(hub, Active=False)
    assert health(hub, cid)["profiles"][0]["health"] == "paused"
    cid = configure(hub, HeartbeatIntervalSeconds=1000)
    beat(hub, cid)
    now = datetime.now(UTC) + timedelta(seconds=read_offset(hub.clock_file))
    window = {
        "start": (now - timedelta(seconds=1)).isoformat(),
        "end": (now + timedelta(seconds=100)).isoformat(),
        "reason": "upgrade",
    }
    assert hub.admin("PUT", f"/customers/{cid}{P7}/maintenance", {"windows": [window]}).ok
    paused = health(hub, cid)["profiles"][0]
    assert paused["health"] == "paused"
    assert "upgrade" in paused["reason"]
    hub.advance_clock(101)  # window over; the 1000 s override keeps it from being late
    events = wait_recorded(hub, cid, "up")
    assert path(events) == ["new", "up", "paused", "up"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"windows": [{"start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"}]}, 400),
        ({"windows": "soon"}, 400),
    ],
)
def test_bad_maintenance_windows_are_refused(hub: HubCluster, body: object, status: int) -> None:
    cid = configure(hub)
    reply = hub.admin("PUT", f"/customers/{cid}{P7}/maintenance", body)
    assert reply.status == status
    assert health(hub, cid)["profiles"][0]["health"] == "new"


def test_a_restarted_worker_picks_the_sweep_up_from_the_table(own_hub: HubCluster) -> None:
    cid = configure(own_hub)
    beat(own_hub, cid)
    wait_recorded(own_hub, cid, "up")
    own_hub.workers[0].kill()
    own_hub.advance_clock(100)
    own_hub.workers[0].start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    events = wait_recorded(own_hub, cid, "down")
    assert path(events) == ["new", "up", "down"]
    assert events[-1].at == events[1].at + timedelta(seconds=90)


def unique(events: list[HealthEvent]) -> list[HealthEvent]:
    """Events with a repeated id (an outbox published again after a rebalance) once."""
    seen: dict[str, HealthEvent] = {}
    for e in events:
        seen.setdefault(e.id, e)
    return list(seen.values())


def test_deadlines_are_found_once_across_rebalances(own_hub: HubCluster) -> None:
    cids = [configure(own_hub) for _ in range(6)]  # spread over the partitions
    for cid in cids:
        beat(own_hub, cid)
        wait_recorded(own_hub, cid, "up")
    own_hub.add_worker()  # a rebalance: some partitions and their due indexes move
    own_hub.wait_ready()
    own_hub.advance_clock(61)
    for cid in cids:
        wait_recorded(own_hub, cid, "late")
    own_hub.workers[1].stop()  # and back: the first worker rebuilds what it gets again
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    own_hub.advance_clock(30)
    for cid in cids:
        events = unique(wait_recorded(own_hub, cid, "down"))
        assert path(events) == ["new", "up", "late", "down"], cid
        assert events[3].at == events[1].at + timedelta(seconds=90)
