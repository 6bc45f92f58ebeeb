"""The relay round trip across worker restarts and a broker outage."""

import time
from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster, start_hub
from localkafka.process import wait_http
from schemas import codec_json
from tests.integration.relay_helpers import JSON, REPORT, configure, report, until_ok


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_heartbeats_are_answered_while_the_worker_is_away_and_folded_after(
    own_hub: HubCluster, how: str
) -> None:
    client_id = configure(own_hub)
    assert own_hub.heartbeat(client_id, REPORT, JSON).status == 200
    before = own_hub.admin("GET", f"/customers/{client_id}").json()
    worker = own_hub.workers[0]
    worker.stop() if how == "stop" else worker.kill()
    # No worker at all: answered from the ingress's replica, and durable in Kafka.
    during = own_hub.heartbeat(client_id, REPORT, JSON)
    assert during.status == 200, during.body
    away = codec_json.decode_response(during.body)
    assert away.InboundProfileList is not None
    assert away.InboundProfileList[0].ReceivePort == 2575
    worker.start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    after = own_hub.admin("GET", f"/customers/{client_id}")
    assert after.status == 200
    assert after.json()["profiles"] == before["profiles"]
    last = "LastHeartbeatDateTime"
    # The tables were recovered, and the heartbeat answered meanwhile was folded.
    assert after.json()["states"]["inbound"]["7"][last] != before["states"]["inbound"]["7"][last]
    state = after.json()["states"]["inbound"]["7"]
    assert state["LastTransactionId"] == "tx-42"
    # The answers replica follows the fold within its replication delay.
    deadline = time.monotonic() + 10
    while True:
        answer = codec_json.decode_response(own_hub.heartbeat(client_id, b"[]", JSON).body)
        assert answer.InboundProfileList is not None
        assert answer.InboundProfileList[0].ReceivePort == 2575
        if answer.InboundProfileList[0].ServerStatus == 1 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert answer.InboundProfileList[0].ServerStatus == 1


def test_heartbeat_during_a_broker_outage_is_503_and_succeeds_after(
    private_broker: LocalBroker, tmp_path: Path
) -> None:
    hub = start_hub(private_broker, tmp_path / "hub")
    try:
        client_id = configure(hub)
        private_broker.stop()
        down = hub.heartbeat(client_id, REPORT, JSON)
        assert down.status == 503
        assert down.headers.get("retry-after") == "1"
        assert "retry" in (codec_json.decode_response(down.body).LogMessage or "")
        private_broker.start()
        up = until_ok(lambda: hub.heartbeat(client_id, REPORT, JSON), READY_TIMEOUT)
        assert up.status == 200, up.body
        answer = codec_json.decode_response(up.body)
        assert answer.InboundProfileList is not None
        assert answer.InboundProfileList[0].ProfileName == "lab results"
    finally:
        hub.stop()


def test_two_workers_answer_every_client_and_publish_their_partition_owners(
    own_hub: HubCluster,
) -> None:
    own_hub.add_worker()
    own_hub.wait_ready()
    deadline = time.monotonic() + READY_TIMEOUT
    while True:  # until the rebalance has settled on both workers
        owners = [
            call("GET", f"{own_hub.worker_url(i)}/hub/owners").json()["owners"] for i in (0, 1)
        ]
        urls = set(owners[0].values())
        if owners[0] == owners[1] and len(urls) == 2 and len(owners[0]) == own_hub.partitions:
            break
        assert time.monotonic() < deadline, owners
        time.sleep(0.5)
    assert urls == {own_hub.worker_url(0), own_hub.worker_url(1)}
    clients = [configure(own_hub) for _ in range(8)]
    for cid in clients:
        reply = until_ok(lambda c=cid: own_hub.heartbeat(c, REPORT, JSON), READY_TIMEOUT)  # type: ignore[misc]
        answer = codec_json.decode_response(reply.body)
        assert answer.InboundProfileList is not None
        assert answer.InboundProfileList[0].ServerStatus == 1


def test_a_state_folded_but_not_yet_written_to_its_table_survives_a_kill(
    own_hub: HubCluster,
) -> None:
    # Reported states reach their table only at the partition's next flush (5 s); the
    # heartbeats behind them stay unacknowledged until then, so a killed worker's
    # successor reads them again instead of losing them.
    client_id = configure(own_hub)
    assert own_hub.heartbeat(client_id, report("tx-1"), JSON).status == 200
    assert own_hub.heartbeat(client_id, report("tx-2"), JSON).status == 200
    state = _state_when(own_hub, client_id, "tx-2")
    own_hub.workers[0].kill()
    own_hub.workers[0].start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    # The new worker's group waits out the dead member's session (10 s) before it is
    # given the partitions, then reads the heartbeats again from the partition's start
    # (never committed: processors.runtime.seek_fix); the bound is generous for a loaded suite.
    assert _state_when(own_hub, client_id, "tx-2", wait_s=90) == state


def _state_when(
    hub: HubCluster, client_id: str, transaction_id: str, wait_s: float = 30
) -> dict[str, object]:
    """The profile's reported state once it shows `transaction_id` (waits up to `wait_s`)."""
    deadline = time.monotonic() + wait_s
    while True:
        reply = hub.admin("GET", f"/customers/{client_id}")
        if reply.status == 200:
            state: dict[str, object] = reply.json()["states"]["inbound"].get("7") or {}
            if state.get("LastTransactionId") == transaction_id:
                return state
        assert time.monotonic() < deadline, f"no state with {transaction_id}: {reply.body!r}"
        time.sleep(0.1)
