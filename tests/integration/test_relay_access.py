"""Per-customer relay access: a key and source networks, refused in the client's format."""

import base64

import pytest

from localkafka.hub import HubCluster
from schemas import codec_json
from tests.integration.relay_helpers import JSON, REPORT, configure, report

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
KEY = "k3y-of-at-least-24-characters"
XML_BEAT = (
    b'<ArrayOfProfileHeartbeatData xmlns="http://schemas.datacontract.org/2004/07/'
    b'Interface.Relay.TransferObjects"/>'
)


def _basic(user: str, key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


def _beat(hub: HubCluster, cid: str, body: bytes = REPORT, **headers: str) -> tuple[int, str]:
    from localkafka.http import call

    reply = call(
        "PUT", f"{hub.url}/api/customer/{cid}/heartbeat", body,
        {"Content-Type": JSON, **headers},
    )  # fmt: skip
    message = (codec_json.decode_response(reply.body).LogMessage or "") if reply.body else ""
    return reply.status, message


def _last_transaction(hub: HubCluster, cid: str) -> str | None:
    states = hub.admin("GET", f"/customers/{cid}").json()["states"]["inbound"]
    found = states.get("7", {}).get("LastTransactionId")
    return None if found is None else str(found)


def test_a_customer_without_access_settings_works_as_before(hub: HubCluster) -> None:
    cid = configure(hub)
    assert _beat(hub, cid)[0] == 200
    assert hub.admin("GET", f"/customers/{cid}/access").json() == {
        "KeySet": False,
        "AllowedNetworks": [],
    }


def test_a_key_is_required_once_set(hub: HubCluster) -> None:
    cid = configure(hub)
    reply = hub.admin("PUT", f"/customers/{cid}/access", {"Key": KEY})
    assert reply.json() == {"KeySet": True, "AllowedNetworks": []}
    assert KEY.encode() not in reply.body
    status, message = _beat(hub, cid, report("refused-1"))
    assert status == 401
    assert "key" in message.lower()
    assert (
        _beat(hub, cid, report("refused-2"), **_basic(cid, "wrong-key-wrong-key-wrong"))[0] == 401
    )
    assert _beat(hub, cid, report("refused-3"), **_basic("someone-else", KEY))[0] == 401
    assert _last_transaction(hub, cid) != "refused-1"
    assert _beat(hub, cid, report("basic"), **_basic(cid, KEY))[0] == 200
    got = _beat(hub, cid, report("header"), **{"X-Hub-Key": KEY})
    assert got[0] == 200, got
    assert _last_transaction(hub, cid) == "header"
    assert hub.admin("DELETE", f"/customers/{cid}/access").json()["KeySet"] is False
    assert _beat(hub, cid)[0] == 200


def test_a_refusal_is_in_the_clients_format(hub: HubCluster) -> None:
    from localkafka.http import call

    cid = configure(hub)
    assert hub.admin("PUT", f"/customers/{cid}/access", {"Key": KEY}).ok
    reply = call(
        "PUT", f"{hub.url}/api/customer/{cid}/heartbeat", XML_BEAT,
        {"Content-Type": "application/xml"},
    )  # fmt: skip
    assert reply.status == 401
    assert reply.content_type.startswith("application/xml")
    assert b"<ResponseStatus>Failure</ResponseStatus>" in reply.body
    assert reply.headers["www-authenticate"].startswith("Basic")


def test_allowed_networks(hub: HubCluster) -> None:
    cid = configure(hub)
    body = {"AllowedNetworks": ["10.1.0.0/16"]}
    assert hub.admin("PUT", f"/customers/{cid}/access", body).ok
    assert _beat(hub, cid, report("from-here"))[0] == 403
    assert _beat(hub, cid, report("inside"), **{"X-Forwarded-For": "10.1.2.3"})[0] == 200
    assert _beat(hub, cid, report("outside"), **{"X-Forwarded-For": "10.2.2.3"})[0] == 403
    assert _last_transaction(hub, cid) == "inside"


def test_a_bad_access_body_is_400(hub: HubCluster) -> None:
    cid = configure(hub)
    assert hub.admin("PUT", f"/customers/{cid}/access", {"Key": "short"}).status == 400
    bad_net = {"AllowedNetworks": ["not-a-network"]}
    assert hub.admin("PUT", f"/customers/{cid}/access", bad_net).status == 400
    assert hub.admin("PUT", "/customers/nobody-here/access", {"Key": KEY}).status == 404
