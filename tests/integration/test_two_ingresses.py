"""Two ingresses answering one client's heartbeats: each delivery counted exactly."""

from collections.abc import Iterator

import orjson
import pytest

from localkafka.broker import free_port
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import ServiceProcess, wait_http
from tests.integration.test_commands import command, configure, queue

ROUNDS = 6
STOPPED = 2  # a `start` command is never acknowledged by a client that reports Stopped


@pytest.fixture
def second_ingress(hub: HubCluster) -> Iterator[str]:
    """Another ingress of the same hub; its URL."""
    port = free_port()
    env = hub.env(HUB_PORT=str(port), HUB_RESPONDER_URL=hub.worker_url(0))
    ingress = ServiceProcess("ingress2", "ingest", env, hub.workdir / "ingress2.log")
    ingress.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/readyz", READY_TIMEOUT)
        yield url
    finally:
        ingress.stop()


def carries(url: str, cid: str) -> bool:
    """One heartbeat at `url` reporting profile 7 stopped; whether the answer carried a command."""
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": STOPPED}])
    headers = {"Content-Type": "application/json"}
    reply = call("PUT", f"{url}/api/customer/{cid}/heartbeat", body, headers)
    assert reply.status == 200, reply.body
    return bool(reply.json()["InboundProfileList"][0]["PendingHeartbeatCommand"])


def test_deliveries_through_two_ingresses_are_counted_exactly(
    hub: HubCluster, second_ingress: str
) -> None:
    cid = configure(hub)
    cmd = queue(hub, cid, "start", max_deliveries=ROUNDS * 2)
    # Back to back, alternating: the second ingress may carry the command again before
    # its replica shows the first one's delivery; every carriage is a delivery the fold
    # counts, from the command ids the heartbeats carried.
    urls = [hub.url, second_ingress]
    carried = sum(carries(urls[n % 2], cid) for n in range(ROUNDS))
    assert carried >= ROUNDS // 2
    rec = command(hub, cid, cmd)
    assert rec["deliveries"] == carried, (rec, carried)
    assert rec["state"] == "delivered"
