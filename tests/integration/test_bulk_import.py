"""The bulk import on a whole hub: durable when answered, then visible and answered."""

import time
import uuid

import orjson

from localkafka.http import call
from localkafka.hub import HubCluster
from schemas import codec_json
from tests.integration.relay_helpers import JSON, REPORT


def test_imported_customers_and_profiles_are_answered_like_ones_put_one_by_one(
    hub: HubCluster,
) -> None:
    ids = [f"imp-{uuid.uuid4().hex[:8]}" for _ in range(100)]  # several batches of records
    lines = [
        orjson.dumps(
            {
                "clientId": cid,
                "customer": {"RelayCustomerID": n + 1, "Name": f"imported {n}"},
                "inbound": {"7": {"ProfileName": "lab", "Active": True, "ReceivePort": 2575}},
                "outbound": {"2": {"ProfileName": "orders"}},
            }
        )
        for n, cid in enumerate(ids)
    ]
    headers = {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"}
    reply = call("POST", f"{hub.url}/admin/import", b"\n".join(lines) + b"\n", headers)
    assert reply.status == 200, reply.body
    assert reply.json() == {"customers": 100, "profiles": 200}
    deadline = time.monotonic() + 30
    for cid in ids:  # on several partitions: each becomes visible on its own
        while hub.admin("GET", f"/customers/{cid}").status != 200:
            assert time.monotonic() < deadline, cid
            time.sleep(0.2)
    view = hub.admin("GET", f"/customers/{ids[3]}").json()
    assert view["customer"]["Name"] == "imported 3"
    answer = codec_json.decode_response(hub.heartbeat(ids[3], REPORT, JSON).body)
    assert answer.InboundProfileList is not None
    assert answer.OutboundProfileList is not None
    assert answer.InboundProfileList[0].RelayCustomerID == 4
    assert answer.InboundProfileList[0].ReceivePort == 2575
    assert answer.OutboundProfileList[0].ProfileName == "orders"
