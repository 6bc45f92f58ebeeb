"""Commands across a worker crash and a rebalance between two workers."""

import time
from collections import Counter
from typing import Any

import orjson

from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import wait_http
from schemas.events import CommandEvent
from tests.integration.relay_helpers import until_ok
from tests.integration.test_commands import (
    PROFILE,
    beat,
    command,
    command_events,
    configure,
    queue,
)

CUSTOMERS = 6
ROUNDS_BEFORE, ROUNDS_AFTER = 8, 30


def test_a_killed_worker_neither_loses_nor_acknowledges_a_delivered_command(
    own_hub: HubCluster,
) -> None:
    cid = configure(own_hub)
    cmd = queue(own_hub, cid, "restart")
    assert beat(own_hub, cid)["PendingHeartbeatCommand"] == 3
    assert command(own_hub, cid, cmd)["state"] == "delivered"
    own_hub.workers[0].kill()
    own_hub.workers[0].start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    recovered = command(own_hub, cid, cmd)
    assert (recovered["state"], recovered["deliveries"]) == ("delivered", 1)
    time.sleep(1.5)  # a few sweeps: a sweep alone must not acknowledge it
    assert command(own_hub, cid, cmd)["state"] == "delivered"
    assert beat(own_hub, cid)["PendingHeartbeatCommand"] == 0
    assert command(own_hub, cid, cmd)["state"] == "acknowledged"


def _beat_counting(hub: HubCluster, cid: str, carried: Counter[str], current: str) -> bool:
    """One heartbeat; counts the delivery the client saw. False when the hub said 503."""
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    reply = hub.heartbeat(cid, body, "application/json")
    if reply.status == 503:
        return False
    assert reply.status == 200, reply.body
    if reply.json()["InboundProfileList"][0]["PendingHeartbeatCommand"]:
        carried[current] += 1
    return True


def _round(hub: HubCluster, ids: list[str], current: dict[str, str], carried: Counter[str]) -> None:
    """Every customer beats once; a finished command is replaced by a new one.

    A command queued while the new worker takes its partitions may be answered "not
    visible yet" (the fold took longer than HUB_APPLY_WAIT_S): it is durable, and the
    counts below are of what the answers actually carried."""
    for cid in ids:
        if command(hub, cid, current[cid])["state"] == "acknowledged":
            current[cid] = queue(hub, cid, "reload-configuration", must_show=False)
        _beat_counting(hub, cid, carried, current[cid])


def test_a_rebalance_mid_stream_loses_and_duplicates_nothing(own_hub: HubCluster) -> None:
    ids = [configure(own_hub) for _ in range(CUSTOMERS)]
    current = {cid: queue(own_hub, cid, "reload-configuration") for cid in ids}
    all_ids = set(current.values())
    carried: Counter[str] = Counter()
    for _ in range(ROUNDS_BEFORE):
        _round(own_hub, ids, current, carried)
        all_ids |= set(current.values())
    own_hub.add_worker()
    for _ in range(ROUNDS_AFTER):
        _round(own_hub, ids, current, carried)
        all_ids |= set(current.values())
    own_hub.wait_ready()
    # Right after a rebalance a read may be 503 while the new owner recovers: retried.
    by_client = {cid: _commands(own_hub, cid) for cid in ids}
    records = {c["id"]: c for cmds in by_client.values() for c in cmds}
    assert set(records) == all_ids
    for cid_, rec in records.items():
        assert rec["deliveries"] == carried[cid_], rec
        states = [h["state"] for h in rec["history"]]
        assert states[0] == "queued"
        assert states.count("acknowledged") <= 1
        assert states.count("delivered") == rec["deliveries"]
    events = [e for cid in ids for e in command_events(own_hub, cid, 0)]
    changes = {f"{r['id']}/{seq}" for r in records.values() for seq in range(len(r["history"]))}
    assert {e.id for e in events} == changes
    # Events are published at least once: a copy after a rebalance is the same event.
    first: dict[str, CommandEvent] = {}
    for e in events:
        assert first.setdefault(e.id, e) == e


def _commands(hub: HubCluster, cid: str) -> list[dict[str, Any]]:
    path = f"/customers/{cid}{PROFILE}/commands"
    reply = until_ok(lambda: hub.admin("GET", path), 60)
    assert reply.status == 200, reply.body
    found: list[dict[str, Any]] = reply.json()
    return found
