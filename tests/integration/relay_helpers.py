"""Helpers shared by the relay tests that start whole hubs: a configured customer, retries."""

import time
import uuid
from collections.abc import Callable

import orjson

from localkafka.http import Reply
from localkafka.hub import HubCluster

JSON = "application/json"


def report(transaction_id: str = "tx-42") -> bytes:
    """A heartbeat body reporting inbound profile 7 as started."""
    return orjson.dumps(
        [
            {
                "ProfileId": 7,
                "ProfileType": 1,
                "ServerStatus": 1,
                "LastTransactionId": transaction_id,
                "LastTransactionDateTime": "2026-01-02T03:04:05.1234567+01:00",
            }
        ]
    )


REPORT = report()


def configure(hub: HubCluster) -> str:
    """A customer with one inbound profile (7); returns its clientId."""
    client_id = f"cust-{uuid.uuid4().hex[:8]}"
    customer = {"RelayCustomerID": 9, "Name": "B"}
    body = {"ProfileName": "lab results", "Active": True, "ReceiveTCP": True, "ReceivePort": 2575}
    # PUTs are idempotent: a 503 while partitions move is retried, as a client would.
    assert until_ok(lambda: hub.admin("PUT", f"/customers/{client_id}", customer), 60).ok
    path = f"/customers/{client_id}/profiles/inbound/7"
    assert until_ok(lambda: hub.admin("PUT", path, body), 60).ok
    return client_id


def until_ok(send: Callable[[], Reply], timeout: float, pause: float = 0.5) -> Reply:
    """Repeat `send` until it answers 200 (503s are expected while things settle)."""
    deadline = time.monotonic() + timeout
    while True:
        reply: Reply = send()
        if reply.status == 200 or time.monotonic() > deadline:
            return reply
        assert reply.status == 503, reply.body
        time.sleep(pause)
