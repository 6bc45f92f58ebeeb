"""A misspelled admin field on a whole hub: 400 naming it, and nothing changes.

The relay heartbeat, by contrast, still ignores members it does not know, as the
original server's formatter does.
"""

import uuid

import orjson

from localkafka.http import call
from localkafka.hub import HubCluster
from tests.integration.relay_helpers import JSON, configure, until_ok

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

P7 = "/profiles/inbound/7"


def test_a_misspelled_profile_field_is_400_and_changes_nothing(hub: HubCluster) -> None:
    cid = configure(hub)
    reply = hub.admin("PUT", f"/customers/{cid}{P7}", {"ProfileName": "new", "RecievePort": 9})
    assert reply.status == 400, reply.body
    assert reply.json() == {"error": "invalid body: unknown field 'RecievePort'"}
    # A write after it is answered once applied: by then the refused one would show too.
    outbound = {"ProfileName": "orders"}
    after = until_ok(
        lambda: hub.admin("PUT", f"/customers/{cid}/profiles/outbound/2", outbound), 60
    )
    inbound = after.json()["profiles"]["inbound"]["7"]
    assert (inbound["ProfileName"], inbound["ReceivePort"]) == ("lab results", 2575)


def test_an_import_with_a_misspelled_field_writes_no_line(hub: HubCluster) -> None:
    good, bad = f"imp-{uuid.uuid4().hex[:8]}", f"imp-{uuid.uuid4().hex[:8]}"
    lines = [
        {"clientId": good, "customer": {"RelayCustomerID": 1, "Name": "A"}},
        {"clientId": bad, "customer": {"RelayCustomerID": 2, "Name": "B", "Colour": "red"}},
    ]
    headers = {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"}
    body = b"\n".join(map(orjson.dumps, lines))
    reply = call("POST", f"{hub.url}/admin/import", body, headers)
    assert reply.status == 400, reply.body
    assert reply.json() == {"error": "line 2: invalid: unknown field 'customer.Colour'"}
    assert hub.admin("GET", f"/customers/{good}").status == 404


def test_a_heartbeat_with_an_unknown_member_is_still_answered(hub: HubCluster) -> None:
    cid = configure(hub)
    beat = [{"ProfileId": 7, "ProfileType": 1, "ServerStatus": 1, "ClientVersion": "9.9"}]
    reply = until_ok(lambda: hub.heartbeat(cid, orjson.dumps(beat), JSON), 60)
    assert reply.status == 200, reply.body
