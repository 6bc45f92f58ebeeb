"""A worker that falls behind judges deadlines only up to the heartbeats it has consumed."""

import os
import signal
import time
import uuid
from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer

from localkafka.hub import HubCluster
from schemas.relay import ProfileHeartbeatData
from schemas.topics import HeartbeatMessage, TopicNames, partition_for
from tests.integration.test_health import beat, path, transitions, wait_recorded

pytestmark = pytest.mark.integration
INTERVAL_S = 6
STOPPED_S = 20


def _customer(hub: HubCluster) -> str:
    cid = f"cust-{uuid.uuid4().hex[:8]}"
    body = {"RelayCustomerID": 1, "Name": "C", "HeartbeatIntervalSeconds": INTERVAL_S,
            "GracePeriodSeconds": INTERVAL_S}  # fmt: skip
    assert hub.admin("PUT", f"/customers/{cid}", body).ok
    assert hub.admin(
        "PUT", f"/customers/{cid}/profiles/inbound/7", {"ProfileName": "lab", "Active": True}
    ).ok
    return cid


def _heartbeats(hub: HubCluster, cid: str, seconds: float) -> int:
    """One heartbeat a second straight to the topic, as accepted ones are, for `seconds`."""
    producer = KafkaProducer(bootstrap_servers=hub.bootstrap, acks="all")
    report = [ProfileHeartbeatData.model_validate({"ProfileId": 7, "ProfileType": 1,
                                                    "ServerStatus": 1})]  # fmt: skip
    sent = 0
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            msg = HeartbeatMessage(client_id=cid, received_at=datetime.now(UTC), profiles=report)
            producer.send(
                TopicNames(hub.prefix).heartbeats, key=cid.encode(),
                value=msg.model_dump_json().encode(),
                partition=partition_for(cid, hub.partitions),
            ).get(timeout=10)  # fmt: skip
            sent += 1
            time.sleep(1)
    finally:
        producer.close()
    return sent


def test_a_paused_worker_marks_no_profile_late_that_heartbeated_in_time(
    own_hub: HubCluster,
) -> None:
    cid = _customer(own_hub)
    beat(own_hub, cid)
    wait_recorded(own_hub, cid, "up")
    pid = own_hub.workers[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        assert _heartbeats(own_hub, cid, STOPPED_S) >= STOPPED_S - 2
    finally:
        os.kill(pid, signal.SIGCONT)
    # Heartbeats go on while the backlog is folded and the sweeps run again.
    _heartbeats(own_hub, cid, 2 * INTERVAL_S)
    assert path(transitions(own_hub, cid, 0)) == ["new", "up"]
    # Heartbeats stop: the profile does go late, then down.
    assert path(wait_recorded(own_hub, cid, "down"))[-2:] == ["late", "down"]
