"""`hub channels` against a real hub on the real broker: set, list, get, delete; the
secret read from a file and never printed."""

import json
from pathlib import Path

import pytest

from cli.errors import REFUSED
from localkafka.hub import HubCluster
from tests.cli.runner import HubRunner
from tests.integration.relay_helpers import configure

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
SECRET = "a-webhook-signing-secret"  # noqa: S105 - a test value, looked for in the output


def test_channels_set_list_get_delete(hub_cli: HubRunner, hub: HubCluster, tmp_path: Path) -> None:
    cid = configure(hub)
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    put = hub_cli.ok(
        "channels", "set", cid, "ops", "--kind", "webhook", "--url", "https://ops.example/h",
        "--secret-file", str(secret_file),
    )  # fmt: skip
    assert "secret     set" in put.stdout
    assert SECRET not in put.stdout
    mail = ("channels", "set", cid, "desk", "--kind", "email", "--address", "a@example.org")
    hub_cli.ok(*mail, "--address", "b@example.org")
    listed = hub_cli.ok("channels", "list", cid).stdout.splitlines()
    assert listed[0].split() == ["NAME", "KIND", "URL", "SECRET", "ADDRESSES"]
    assert [line.split()[0] for line in listed[1:]] == ["desk", "ops"]
    assert "a@example.org, b@example.org" in listed[1]
    got = json.loads(hub_cli.ok("channels", "get", cid, "ops", "--json").stdout)
    assert got == hub.admin("GET", f"/customers/{cid}/channels/ops").json()
    assert hub_cli.ok("channels", "delete", cid, "ops").stdout.strip() == (
        f"deleted channel ops of {cid}"
    )
    gone = hub_cli("channels", "get", cid, "ops")
    assert gone.exit_code == REFUSED
    assert f"customer '{cid}' has no channel 'ops' (HTTP 404)" in gone.stderr


def test_a_webhook_without_a_secret_asks_for_none(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    set_ = ("channels", "set", cid, "plain", "--kind", "webhook", "--url", "https://o.example/h")
    put = hub_cli.ok(*set_, "--no-secret")
    assert "secret     -\n" in put.stdout  # no secret set, none asked for (no prompt input)


def test_channels_test_queues_a_message(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    hub_cli.ok("channels", "set", cid, "t", "--kind", "webhook", "--url", "http://127.0.0.1:9/h",
               "--no-secret")  # fmt: skip
    queued = hub_cli.ok("channels", "test", cid, "t").stdout
    assert queued.startswith(f"test message queued: {cid}/test/")
