"""The bulk import on a whole hub: durable when answered, then visible and answered."""

import time
import uuid

import orjson

from localkafka.http import call
from localkafka.hub import HubCluster
from schemas import codec_json
from schemas.events import Health
from schemas.topics import TopicNames
from tests.integration.events import profile_health, read_events
from tests.integration.relay_helpers import JSON, REPORT

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True


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


def test_imported_profiles_publish_no_transition_until_first_heard(hub: HubCluster) -> None:
    cid = f"imp-{uuid.uuid4().hex[:8]}"
    line = {
        "clientId": cid,
        "customer": {"RelayCustomerID": 9, "Name": "quiet"},
        "inbound": {"7": {"ProfileName": "lab", "Active": True}},
        "outbound": {"2": {"ProfileName": "orders", "Active": False}},
    }
    headers = {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"}
    assert call("POST", f"{hub.url}/admin/import", orjson.dumps(line), headers).status == 200
    deadline = time.monotonic() + 30
    while hub.admin("GET", f"/customers/{cid}").status != 200:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    health = hub.admin("GET", f"/customers/{cid}/health").json()
    assert sorted(p["health"] for p in health["profiles"]) == ["new", "paused"]
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    assert hub.heartbeat(cid, body, JSON).status == 200
    topic = TopicNames(hub.prefix).health_events
    events = read_events(hub.bootstrap, topic, cid, profile_health, 2)
    # The first transitions stored are those of the first heartbeat, from none: no
    # transition into `new` or `paused` was published by the import.
    seen = {(e.profile_id, e.from_health, e.to_health.value) for e in events}
    assert seen == {(7, None, "up"), (2, None, "paused")}
    # Imported again once heard from, it is evaluated as after a PUT.
    line["inbound"] = {"7": {"ProfileName": "lab", "Active": False}}
    assert call("POST", f"{hub.url}/admin/import", orjson.dumps(line), headers).status == 200
    events = read_events(hub.bootstrap, topic, cid, profile_health, 3)
    last = events[-1]
    assert (last.profile_id, last.from_health, last.to_health.value) == (7, Health.up, "paused")


def test_an_import_keeps_the_relay_key_set_on_the_bare_customer(hub: HubCluster) -> None:
    cid = f"imp-{uuid.uuid4().hex[:8]}"
    assert hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 5, "Name": "bare"}).ok
    assert hub.admin("PUT", f"/customers/{cid}/access", {"Key": "k" * 32}).ok
    line = {
        "clientId": cid,
        "customer": {"RelayCustomerID": 5, "Name": "keyed"},
        "inbound": {"7": {"ProfileName": "lab", "Active": True}},
    }
    headers = {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"}
    assert call("POST", f"{hub.url}/admin/import", orjson.dumps(line), headers).status == 200
    body = orjson.dumps([{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1}])
    keyed = {"Content-Type": JSON, "X-Hub-Key": "k" * 32}
    url = f"{hub.url}/api/customer/{cid}/heartbeat"
    deadline = time.monotonic() + 30
    while not call("PUT", url, body, keyed).json()["InboundProfileList"]:
        assert time.monotonic() < deadline  # until the import is in the answers
        time.sleep(0.2)
    assert hub.heartbeat(cid, body, JSON).status == 401
