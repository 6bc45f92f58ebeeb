"""The relay side of `hub` against a real hub on the real broker: customers, profiles,
imports, desired states, commands, maintenance windows and health."""

import json
import uuid
from pathlib import Path

import pytest

from cli.errors import REFUSED, WATCH_TIMEOUT
from localkafka.hub import HubCluster
from tests.cli.runner import HubRunner
from tests.integration.pbx_helpers import wait_for
from tests.integration.relay_helpers import JSON, REPORT, configure, until_ok

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration


def fresh_id() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def beat(hub: HubCluster, cid: str) -> None:
    """A heartbeat reporting inbound profile 7 as started."""
    assert until_ok(lambda: hub.heartbeat(cid, REPORT, JSON), 30).status == 200


def test_customers_put_from_options_and_get(hub_cli: HubRunner) -> None:
    cid = fresh_id()
    put = hub_cli.ok("customers", "put", cid, "--relay-customer-id", "2", "--name", "Acme")
    assert f"Customer            {cid}" in put.stdout
    assert "no profiles" in put.stdout
    got = json.loads(hub_cli.ok("customers", "get", cid, "--json").stdout)
    assert got["customer"] == {
        "RelayCustomerID": 2,
        "Name": "Acme",
        "HeartbeatIntervalSeconds": 60,
        "GracePeriodSeconds": 30,
        "Schedule": None,
    }


def test_customers_put_from_a_file_with_options_overriding_it(
    hub_cli: HubRunner, tmp_path: Path
) -> None:
    cid = fresh_id()
    body = tmp_path / "customer.json"
    body.write_text('{"RelayCustomerID": 4, "Name": "Old", "GracePeriodSeconds": 10}')
    hub_cli.ok("customers", "put", cid, "--file", str(body), "--name", "New")
    got = hub_cli.ok("customers", "get", cid)
    assert "New" in got.stdout
    assert "Grace period        10 s" in got.stdout


def test_an_unknown_customer_is_refused_with_the_hubs_message(hub_cli: HubRunner) -> None:
    result = hub_cli("customers", "get", "no-such-customer")
    assert result.exit_code == REFUSED
    assert "unknown customer 'no-such-customer' (HTTP 404)" in result.stderr


def test_profiles_put_get_delete(hub_cli: HubRunner, tmp_path: Path) -> None:
    cid = fresh_id()
    hub_cli.ok("customers", "put", cid, "--relay-customer-id", "3", "--name", "P")
    body = tmp_path / "profile.json"
    body.write_text('{"ProfileName": "lab", "Active": true, "ReceiveTCP": true}')
    put = hub_cli.ok(
        "profiles", "put", cid, "inbound", "7", "--file", str(body),
        "--set", "ReceivePort=2575", "--interval", "120",
    )  # fmt: skip
    assert put.stdout.splitlines()[-1].split()[:4] == ["inbound", "7", "lab", "yes"]
    doc = json.loads(hub_cli.ok("profiles", "get", cid, "inbound", "7", "--json").stdout)
    assert doc["profile"]["ReceivePort"] == 2575
    assert doc["profile"]["ReceiveTCP"] is True
    assert doc["timing"]["HeartbeatIntervalSeconds"] == 120
    assert doc["state"] is None
    shown = hub_cli.ok("profiles", "get", cid, "inbound", "7").stdout
    assert "never reported" in shown
    assert "ReceivePort" in shown
    hub_cli.ok("profiles", "delete", cid, "inbound", "7")
    gone = hub_cli("profiles", "get", cid, "inbound", "7")
    assert gone.exit_code == REFUSED
    assert f"customer '{cid}' has no inbound profile 7" in gone.stderr
    again = hub_cli("profiles", "delete", cid, "inbound", "7")
    assert again.exit_code == REFUSED
    assert "has no inbound profile 7 (HTTP 404)" in again.stderr


def test_an_unknown_profile_field_is_a_usage_error(hub_cli: HubRunner) -> None:
    result = hub_cli("profiles", "put", "x", "outbound", "1", "--set", "ReceivePort=1")
    assert result.exit_code == 2
    assert "unknown field 'ReceivePort'" in result.stderr


def _visible(hub: HubCluster, cid: str) -> bool:
    return hub.admin("GET", f"/customers/{cid}").status == 200


def test_import_ndjson(hub_cli: HubRunner, hub: HubCluster, tmp_path: Path) -> None:
    a, b = fresh_id(), fresh_id()
    lines = [
        {"clientId": a, "customer": {"RelayCustomerID": 1, "Name": "A"}, "inbound": {"7": {}}},
        {"clientId": b, "customer": {"RelayCustomerID": 2, "Name": "B"}, "outbound": {"2": {}}},
    ]
    path = tmp_path / "customers.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = hub_cli.ok("import", str(path))
    assert result.stdout.strip() == "imported 2 customer(s), 2 profile(s)"
    assert wait_for(lambda: _visible(hub, a) and _visible(hub, b), 30)
    assert "7" in hub.admin("GET", f"/customers/{a}").json()["profiles"]["inbound"]


def test_import_csv(hub_cli: HubRunner, hub: HubCluster, tmp_path: Path) -> None:
    a, b = fresh_id(), fresh_id()
    path = tmp_path / "customers.csv"
    path.write_text(
        "clientId,RelayCustomerID,Name,ProfileType,ProfileId,ProfileName,Active,ReceivePort\n"
        f"{a},1,A,inbound,7,lab,yes,2575\n"
        f"{a},,,outbound,2,orders,no,\n"
        f"{b},2,B,,,,,\n"
    )
    result = hub_cli.ok("--json", "import", str(path))
    assert json.loads(result.stdout) == {"customers": 2, "profiles": 2}
    assert wait_for(lambda: _visible(hub, a) and _visible(hub, b), 30)
    profiles = hub.admin("GET", f"/customers/{a}").json()["profiles"]
    assert profiles["inbound"]["7"]["ReceivePort"] == 2575
    assert profiles["outbound"]["2"]["Active"] is False


def test_a_refused_csv_line_names_its_rows(hub_cli: HubRunner, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"clientId,RelayCustomerID,Name\n{fresh_id()},1,A\nlate,2,\n")
    result = hub_cli("import", str(path))
    assert result.exit_code == REFUSED
    assert "line 2: invalid: field 'customer.Name'" in result.stderr
    assert "clientId 'late', CSV row(s) 3" in result.stderr


def test_desired_state_set_and_clear(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    started = hub_cli.ok("desired-state", "set", cid, "inbound", "7", "start")
    assert "Desired state  start" in started.stdout
    assert "not yet" in started.stdout
    doc = json.loads(
        hub_cli.ok("desired-state", "set", cid, "inbound", "7", "none", "--json").stdout
    )
    assert doc["action"] == 0
    missing = hub_cli("desired-state", "set", cid, "outbound", "9", "stop")
    assert missing.exit_code == REFUSED
    assert "has no outbound profile 9" in missing.stderr


def test_commands_send_list_watch_cancel(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    profile = (cid, "inbound", "7")
    command_id = hub_cli.ok("commands", "send", *profile, "restart", "--ttl", "600").stdout.strip()
    listed = hub_cli.ok("commands", "list", *profile).stdout.splitlines()
    assert listed[1].split()[:3] == [command_id, "restart", "queued"]
    queued = json.loads(
        hub_cli.ok("commands", "list", *profile, "--state", "queued", "--json").stdout
    )
    assert [c["id"] for c in queued] == [command_id]
    waited = hub_cli(
        "commands", "watch", *profile, command_id, "--timeout", "1", "--interval", "0.2"
    )
    assert waited.exit_code == WATCH_TIMEOUT
    assert f"command {command_id} is still queued after 1 s" in waited.stderr
    cancelled = hub_cli.ok("commands", "cancel", *profile, command_id)
    assert "State       cancelled" in cancelled.stdout
    ended = hub_cli("commands", "watch", *profile, command_id)
    assert ended.exit_code == REFUSED
    assert "ended cancelled, not acknowledged" in ended.stderr
    again = hub_cli("commands", "cancel", *profile, command_id)
    assert again.exit_code == REFUSED
    assert "command already cancelled (HTTP 409)" in again.stderr


def test_watch_exits_0_once_the_client_acknowledges(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    profile = (cid, "inbound", "7")
    command_id = hub_cli.ok("commands", "send", *profile, "restart").stdout.strip()
    beat(hub, cid)  # the answer delivers the command
    beat(hub, cid)  # the next heartbeat acknowledges it
    watched = hub_cli.ok("commands", "watch", *profile, command_id, "--timeout", "30")
    assert watched.stdout.split()[-3] == "acknowledged"
    got = json.loads(hub_cli.ok("commands", "get", *profile, command_id, "--json").stdout)
    assert [step["state"] for step in got["history"]] == ["queued", "delivered", "acknowledged"]


def test_maintenance_set_pauses_and_clear_removes(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    profile = (cid, "inbound", "7")
    set_ = hub_cli.ok("maintenance", "set", *profile, "--for", "1h", "--reason", "upgrade")
    assert set_.stdout.splitlines()[1].split()[-1] == "upgrade"
    assert wait_for(lambda: "paused" in hub_cli.ok("health", cid).stdout, 30)
    cleared = hub_cli.ok("maintenance", "clear", *profile)
    assert cleared.stdout.strip() == "no maintenance windows"


def test_health_shows_the_customer_then_the_worst_first(
    hub_cli: HubRunner, hub: HubCluster
) -> None:
    cid = configure(hub)
    assert until_ok(lambda: hub.admin("PUT", f"/customers/{cid}/pbxes/hq", {"Name": "HQ"}), 30).ok
    beat(hub, cid)

    def settled() -> bool:
        return "inbound  7   up" in hub_cli.ok("health", cid).stdout

    assert wait_for(settled, 30)
    lines = hub_cli.ok("health", cid).stdout.splitlines()
    assert lines[0] == f"Customer {cid}: down"
    assert lines[1].startswith("Relay client: up since ")
    assert lines[3].split() == ["KIND", "ID", "HEALTH", "SINCE", "REASON"]
    assert lines[4].split()[:3] == ["pbx", "hq", "down"]
    assert lines[5].split()[:3] == ["inbound", "7", "up"]
    printed = json.loads(hub_cli.ok("health", cid, "--json").stdout)
    assert printed == hub.admin("GET", f"/customers/{cid}/health").json()
