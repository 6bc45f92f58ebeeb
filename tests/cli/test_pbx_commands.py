"""The PBX side of `hub` against a real hub on the real broker: PBXes, API users, sessions,
upstream connections; `--json` and a wrong token."""

import json
from pathlib import Path

import pytest

from cli.errors import REFUSED
from localkafka.hub import HubCluster
from tests.cli.runner import HubRunner
from tests.integration.pbx_helpers import PASSWORD, Pbx, errno, login, wait_for
from tests.integration.relay_helpers import configure
from tests.integration.upstream_helpers import SIM_PASSWORD, SIM_USER, simulator

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration


def with_pbx(hub_cli: HubRunner, hub: HubCluster) -> str:
    """A fresh customer with the PBX `hq`; returns the clientId."""
    cid = configure(hub)
    hub_cli.ok("pbxes", "put", cid, "hq", "--name", "HQ", "--serial", "3631A2")
    return cid


def test_pbxes_put_get_delete(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = configure(hub)
    put = hub_cli.ok(
        "pbxes", "put", cid, "hq", "--name", "HQ", "--serial", "3631A2",
        "--alert-email", "ops@example.org", "--alert-email", "noc@example.org",
    )  # fmt: skip
    assert f"PBX            {cid}/hq" in put.stdout
    assert "ops@example.org, noc@example.org" in put.stdout
    assert "0 (0 alive)" in put.stdout
    printed = hub_cli.ok("pbxes", "get", cid, "hq", "--json").stdout
    assert printed == hub.admin("GET", f"/customers/{cid}/pbxes/hq").body.decode() + "\n"
    assert hub_cli.ok("pbxes", "delete", cid, "hq").stdout.strip() == f"deleted PBX hq of {cid}"
    gone = hub_cli("pbxes", "get", cid, "hq")
    assert gone.exit_code == REFUSED
    assert f"customer '{cid}' has no PBX 'hq' (HTTP 404)" in gone.stderr


def test_api_users_and_sessions(hub_cli: HubRunner, hub: HubCluster, tmp_path: Path) -> None:
    cid = with_pbx(hub_cli, hub)
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")
    put = hub_cli.ok("api-users", "put", cid, "hq", "api-a", "--password-file", str(password_file))
    assert "api-a" in put.stdout
    assert PASSWORD not in put.output
    prompted = hub_cli.ok("api-users", "put", cid, "hq", "api-b", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert "api-a, api-b" in prompted.stdout
    assert PASSWORD not in prompted.output
    assert hub_cli.ok("sessions", cid, "hq").stdout.strip() == "no sessions"
    pbx = Pbx(cid, "hq", "api-a", "")
    assert errno(login(hub, pbx, ipaddr="127.0.0.1", port=9000, url="events")) is None
    rows = hub_cli.ok("sessions", cid, "hq").stdout.splitlines()
    assert rows[0].split()[:4] == ["ID", "USER", "STATE", "CALLBACK"]
    assert rows[1].split()[1:4] == ["api-a", "alive", "http://127.0.0.1:9000/events"]
    printed = json.loads(hub_cli.ok("sessions", cid, "hq", "--json").stdout)
    assert printed == hub.admin("GET", f"/customers/{cid}/pbxes/hq").json()["Sessions"]
    left = hub_cli.ok("api-users", "delete", cid, "hq", "api-a")
    assert "API users      api-b" in left.stdout
    assert hub_cli.ok("sessions", cid, "hq").stdout.splitlines()[1].split()[2] == "logged-out"


def test_upstream_get_of_a_missing_one(hub_cli: HubRunner, hub: HubCluster) -> None:
    cid = with_pbx(hub_cli, hub)
    result = hub_cli("upstream", "get", cid, "hq")
    assert result.exit_code == REFUSED
    assert "no upstream connection (HTTP 404)" in result.stderr
    assert result.stdout == ""


def test_upstream_put_get_delete(hub_cli: HubRunner, hub: HubCluster, tmp_path: Path) -> None:
    cid = with_pbx(hub_cli, hub)
    password_file = tmp_path / "pbx-password"
    password_file.write_text(SIM_PASSWORD)
    with simulator(hub) as sim:
        put = hub_cli.ok(
            "upstream", "put", cid, "hq", "--base-url", sim.base_url, "--username", SIM_USER,
            "--password-file", str(password_file), "--interval", "600",
        )  # fmt: skip
        assert f"BaseUrl                   {sim.base_url}" in put.stdout
        assert SIM_PASSWORD not in put.output

        def connected() -> bool:
            shown = hub_cli.ok("upstream", "get", cid, "hq", "--json").stdout
            return bool(json.loads(shown)["State"] == "connected")

        assert wait_for(connected, 30)
        deleted = hub_cli.ok("upstream", "delete", cid, "hq")
        assert deleted.stdout.strip() == f"disconnected PBX hq of {cid}"


def test_a_wrong_token_is_refused_with_the_hubs_message(hub: HubCluster, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("not-the-token")
    result = HubRunner(hub.url, token_file)("customers", "get", "anyone")
    assert result.exit_code == REFUSED
    assert "missing or wrong bearer token (HTTP 401)" in result.stderr
    assert "not-the-token" not in result.output
