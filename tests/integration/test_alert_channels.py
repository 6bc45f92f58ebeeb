"""Alert channels through the admin API, on the real broker and worker: set, read, removed,
and their secrets kept sealed everywhere the hub writes them."""

import pytest

from localkafka.hub import HubCluster
from tests.integration.deletion_helpers import latest
from tests.integration.relay_helpers import configure

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
SECRET = "webhook-signing-secret-7f3a"  # noqa: S105 - a test value, looked for in Kafka
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXsecretpath"
ROUTING_KEY = "0123456789abcdef0123456789abcdef"


def test_a_webhook_channel_is_set_read_and_listed_without_its_secret(hub: HubCluster) -> None:
    cid = configure(hub)
    body = {"Kind": "webhook", "Url": "https://ops.example/hook", "Secret": SECRET}
    reply = hub.admin("PUT", f"/customers/{cid}/channels/ops", body)
    assert reply.status == 200, reply.body
    view = {
        "Name": "ops",
        "Kind": "webhook",
        "Url": "https://ops.example/hook",
        "HasSecret": True,
        "Addresses": None,
    }
    assert reply.json() == view
    assert hub.admin("GET", f"/customers/{cid}/channels/ops").json() == view
    mail = {"Kind": "email", "Addresses": ["ops@acme.example"]}
    assert hub.admin("PUT", f"/customers/{cid}/channels/mail", mail).status == 200
    listed = hub.admin("GET", f"/customers/{cid}/channels").json()
    assert [c["Name"] for c in listed] == ["mail", "ops"]
    assert SECRET.encode() not in hub.admin("GET", f"/customers/{cid}").body


def test_a_channel_is_replaced_by_a_second_put(hub: HubCluster) -> None:
    cid = configure(hub)
    path = f"/customers/{cid}/channels/pager"
    assert hub.admin("PUT", path, {"Kind": "pagerduty", "Secret": ROUTING_KEY}).status == 200
    hook = {"Kind": "webhook", "Url": "http://127.0.0.1:9/hook"}  # the test hub allows loopback
    reply = hub.admin("PUT", path, hook)
    assert (reply.json()["Kind"], reply.json()["HasSecret"]) == ("webhook", False)


def test_a_deleted_channel_is_404_and_no_longer_listed(hub: HubCluster) -> None:
    cid = configure(hub)
    path = f"/customers/{cid}/channels/ops"
    assert hub.admin("PUT", path, {"Kind": "webhook", "Url": "https://ops.example/h"}).ok
    assert hub.admin("DELETE", path).status == 204
    assert hub.admin("GET", path).status == 404
    assert hub.admin("DELETE", path).status == 404
    assert hub.admin("GET", f"/customers/{cid}/channels").json() == []


def test_channels_of_an_unknown_customer_are_404(hub: HubCluster) -> None:
    body = {"Kind": "webhook", "Url": "https://ops.example/h"}
    assert hub.admin("PUT", "/customers/nobody-here/channels/ops", body).status == 404
    assert hub.admin("GET", "/customers/nobody-here/channels").status == 404


def test_secrets_reach_kafka_only_sealed(hub: HubCluster) -> None:
    cid = configure(hub)
    slack = hub.admin("PUT", f"/customers/{cid}/channels/chat", {"Kind": "slack", "Url": SLACK})
    assert slack.json()["Url"] == "https://hooks.slack.com/…"
    hook = {"Kind": "webhook", "Url": "https://ops.example/hook", "Secret": SECRET}
    assert hub.admin("PUT", f"/customers/{cid}/channels/ops", hook).ok
    config = latest(hub, f"{hub.prefix}config")
    written = [config[f"channel/{cid}/{n}".encode()] for n in ("chat", "ops")]
    assert all(v is not None and b"sealed_secret" in v for v in written)
    changelog = latest(hub, f"{hub.prefix}workers-alert-channels-changelog")
    assert changelog, "the channels table's changelog holds the customer's channels"
    for records in (config, changelog):
        values = b"".join(v for v in records.values() if v is not None)
        assert SECRET.encode() not in values
        assert b"XXXXsecretpath" not in values
