"""Commands and desired states delivered through heartbeat answers, on the real broker."""

import time
import uuid
from typing import Any

import orjson
import pytest
from kafka import KafkaConsumer

from localkafka.hub import HubCluster
from schemas.events import CommandEvent
from schemas.topics import TopicNames

PROFILE = "/profiles/inbound/7"
WAIT_S = 30.0


def configure(hub: HubCluster) -> str:
    """A customer with inbound profile 7 and outbound profile 3; returns its clientId."""
    cid = f"cust-{uuid.uuid4().hex[:8]}"
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 1, "Name": "C"}).ok
    assert hub.admin("PUT", f"/customers/{cid}{PROFILE}", {"ProfileName": "in", "Active": True}).ok
    assert hub.admin("PUT", f"/customers/{cid}/profiles/outbound/3", {"ProfileName": "out"}).ok
    return cid


def beat(hub: HubCluster, cid: str, status: int = 1) -> dict[str, Any]:
    """A heartbeat reporting profile 7; returns inbound profile 7 of the answer."""
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": status}])
    reply = hub.heartbeat(cid, body, "application/json")
    assert reply.status == 200, reply.body
    answer = reply.json()
    found: dict[str, Any] = answer["InboundProfileList"][0]
    assert all(p["PendingHeartbeatCommand"] == 0 for p in answer["OutboundProfileList"])
    return found


def queue(hub: HubCluster, cid: str, command: str, *, must_show: bool = True, **kw: int) -> str:
    """Queue a command on profile 7; returns its id. `must_show`: the answer must say the
    command is visible (folded and in this ingress's answers within HUB_APPLY_WAIT_S);
    during a rebalance it may honestly say it is not yet."""
    deadline = time.monotonic() + WAIT_S
    body = {"command": command, **kw}
    # 503 means nothing was queued (e.g. during a rebalance): retrying is safe.
    while (reply := hub.admin("POST", f"/customers/{cid}{PROFILE}/commands", body)).status == 503:
        assert time.monotonic() < deadline, reply.body
        time.sleep(0.2)
    assert reply.status == 201, reply.body
    assert reply.headers["location"].endswith(reply.json()["id"])
    # Not visible: the hub gave up waiting (HUB_APPLY_WAIT_S) for its answers to show it.
    assert reply.json()["visible"] is True or not must_show, reply.body
    command_id: str = reply.json()["id"]
    return command_id


def command(hub: HubCluster, cid: str, command_id: str) -> dict[str, Any]:
    """`GET .../commands/{id}`, repeated while the hub says 202 (not caught up yet)."""
    deadline = time.monotonic() + WAIT_S
    while (
        reply := hub.admin("GET", f"/customers/{cid}{PROFILE}/commands/{command_id}")
    ).status in (
        202,
        503,
    ) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert reply.status == 200, reply.body
    found: dict[str, Any] = reply.json()
    return found


def history(rec: dict[str, Any]) -> list[str]:
    """The states a command went through."""
    return [h["state"] for h in rec["history"]]


def test_restart_is_delivered_then_acknowledged_by_the_next_heartbeat(hub: HubCluster) -> None:
    cid = configure(hub)
    cmd = queue(hub, cid, "restart")
    assert command(hub, cid, cmd)["state"] == "queued"
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 3
    delivered = command(hub, cid, cmd)
    assert (delivered["state"], delivered["deliveries"]) == ("delivered", 1)
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 0
    done = command(hub, cid, cmd)
    assert history(done) == ["queued", "delivered", "acknowledged"]
    assert all(h["at"] for h in done["history"])


def test_commands_queue_first_in_first_out(hub: HubCluster) -> None:
    cid = configure(hub)
    first, second = queue(hub, cid, "reload-configuration"), queue(hub, cid, "upload-logs")
    assert [beat(hub, cid)["PendingHeartbeatCommand"] for _ in range(3)] == [4, 5, 0]
    assert command(hub, cid, first)["state"] == command(hub, cid, second)["state"] == "acknowledged"
    listed = hub.admin("GET", f"/customers/{cid}{PROFILE}/commands?state=acknowledged").json()
    assert [c["id"] for c in listed] == [first, second]


def test_start_waits_for_the_status_and_fails_after_max_deliveries(hub: HubCluster) -> None:
    cid = configure(hub)
    failing = queue(hub, cid, "start", max_deliveries=2)
    assert [beat(hub, cid, status=2)["PendingHeartbeatCommand"] for _ in range(3)] == [1, 1, 0]
    rec = command(hub, cid, failing)
    assert (rec["state"], rec["deliveries"]) == ("failed", 2)
    ok = queue(hub, cid, "start")
    assert beat(hub, cid, status=2)["PendingHeartbeatCommand"] == 1
    assert beat(hub, cid, status=1)["PendingHeartbeatCommand"] == 0
    assert command(hub, cid, ok)["state"] == "acknowledged"


def wait_state(hub: HubCluster, cid: str, command_id: str, state: str) -> dict[str, Any]:
    """Poll (bounded) until the command reaches `state`; the sweep runs each second."""
    deadline = time.monotonic() + WAIT_S
    while (rec := command(hub, cid, command_id))["state"] != state:
        assert time.monotonic() < deadline, rec
        time.sleep(0.2)
    return rec


def test_ttl_expiry_is_found_by_the_sweep_without_a_heartbeat(hub: HubCluster) -> None:
    cid = configure(hub)
    waiting = queue(hub, cid, "upload-logs", ttl_s=120)
    delivered = queue(hub, f"{cid}", "restart", ttl_s=120)
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 5
    hub.advance_clock(121)
    rec = wait_state(hub, cid, waiting, "expired")
    assert history(rec) == ["queued", "delivered", "expired"]
    assert history(wait_state(hub, cid, delivered, "expired")) == ["queued", "expired"]
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 0


def test_a_cancelled_command_is_not_delivered(hub: HubCluster) -> None:
    cid = configure(hub)
    cmd = queue(hub, cid, "restart")
    reply = hub.admin("DELETE", f"/customers/{cid}{PROFILE}/commands/{cmd}")
    assert reply.status == 200
    assert reply.json()["state"] == "cancelled"
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 0
    assert hub.admin("DELETE", f"/customers/{cid}{PROFILE}/commands/{cmd}").status == 409


def test_desired_state_is_carried_until_the_status_matches(hub: HubCluster) -> None:
    cid = configure(hub)
    url = f"/customers/{cid}{PROFILE}/desired-state"
    assert hub.admin("PUT", url, {"ClientActionRequest": 2}).json()["action"] == 2
    assert beat(hub, cid, status=1)["ClientActionRequest"] == 2
    assert beat(hub, cid, status=1)["ClientActionRequest"] == 2
    assert beat(hub, cid, status=2)["ClientActionRequest"] == 0
    reached = hub.admin("PUT", url, {"ClientActionRequest": 2}).json()
    assert reached["reached_at"] is None  # set again: pending again
    assert beat(hub, cid, status=2)["ClientActionRequest"] == 0
    assert hub.admin("PUT", url, {"ClientActionRequest": 0}).json() == {"action": 0}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/profiles/inbound/99/commands", {"command": "restart"}, 404),
        ("/profiles/sideways/7/commands", {"command": "restart"}, 404),
        (f"{PROFILE}/commands", {"command": "reboot"}, 400),
        (f"{PROFILE}/commands", {"command": "restart", "ttl_s": -1}, 400),
        (f"{PROFILE}/commands", {"command": "restart", "max_deliveries": 0}, 400),
        ("/profiles/outbound/3/commands", {"command": "restart"}, 404),  # deleted below
        (f"{PROFILE}/desired-state", {"ClientActionRequest": 7}, 400),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_queued(
    hub: HubCluster, path: str, body: dict[str, object], status: int
) -> None:
    cid = configure(hub)
    assert hub.admin("DELETE", f"/customers/{cid}/profiles/outbound/3").ok
    method = "PUT" if path.endswith("desired-state") else "POST"
    reply = hub.admin(method, f"/customers/{cid}{path}", body)
    assert reply.status == status, reply.body
    assert "error" in reply.json()
    assert hub.admin("GET", f"/customers/{cid}{PROFILE}/commands").json() == []
    assert beat(hub, cid)["PendingHeartbeatCommand"] == 0
    assert beat(hub, cid)["ClientActionRequest"] == 0


def command_events(hub: HubCluster, cid: str, expected: int) -> list[CommandEvent]:
    """The customer's events on the command-events topic (bounded wait for `expected`)."""
    consumer = KafkaConsumer(
        TopicNames(hub.prefix).command_events,
        bootstrap_servers=hub.bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=2000,
    )
    found: list[CommandEvent] = []
    deadline = time.monotonic() + WAIT_S
    try:
        while True:  # each pass drains the topic until it is idle for 2 s
            for record in consumer:
                if record.key == cid.encode():
                    found.append(CommandEvent.model_validate_json(record.value))
            if len(found) >= expected or time.monotonic() > deadline:
                break
    finally:
        consumer.close()
    return found


def test_every_change_is_an_event_on_the_output_topic(hub: HubCluster) -> None:
    cid = configure(hub)
    cmd = queue(hub, cid, "restart")
    beat(hub, cid)
    beat(hub, cid)
    events = command_events(hub, cid, 3)
    assert [(e.command_id, e.seq, e.state.value) for e in events] == [
        (cmd, 0, "queued"),
        (cmd, 1, "delivered"),
        (cmd, 2, "acknowledged"),
    ]
    assert [e.at.isoformat() for e in events] == [
        h["at"].replace("Z", "+00:00") for h in command(hub, cid, cmd)["history"]
    ]
