"""`hub customers delete`: the question, `--yes`, what it prints, and that it is never resent;
against a scripted server, then once against a real hub."""

import json

import pytest

from cli.errors import REFUSED, UNAVAILABLE
from localkafka.hub import HubCluster
from tests.cli.local_server import Answer, ScriptedServer
from tests.cli.runner import HubRunner
from tests.cli.test_client import error
from tests.cli.test_client import hub as ask
from tests.integration.relay_helpers import JSON, REPORT, configure

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

DELETED = {
    "InboundProfiles": [7], "OutboundProfiles": [2], "CancelledCommands": ["c1", "c2"],
    "Pbxes": ["hq"], "ApiUsers": ["api"], "EndedSessions": 1, "DisconnectedUpstreams": [],
    "ClientId": "acme", "DeletedAt": "2026-01-02T03:04:05.123456Z",
}  # fmt: skip


def test_nothing_is_sent_unless_the_question_is_answered_yes(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, json.dumps(DELETED).encode()))
    result = ask(scripted, "customers", "delete", "acme", stdin="n\n")
    assert result.exit_code == 1
    assert "Delete customer acme and everything it has?" in result.stderr
    assert scripted.requests == []


def test_yes_deletes_and_says_what_went(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, json.dumps(DELETED).encode()))
    result = ask(scripted, "customers", "delete", "acme", stdin="y\n")
    assert result.exit_code == 0, result.stderr
    assert [(r.method, r.path) for r in scripted.requests] == [("DELETE", "/admin/customers/acme")]
    assert "Deleted customer      acme" in result.stdout
    assert "Cancelled commands    c1, c2" in result.stdout
    assert "Upstreams logged out  -" in result.stdout


def test_the_yes_option_does_not_ask_and_json_prints_the_answer(
    scripted: ScriptedServer,
) -> None:
    body = json.dumps(DELETED).encode()
    scripted.script(Answer(200, body))
    result = ask(scripted, "customers", "delete", "acme", "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == body.decode() + "\n"
    assert "Delete customer" not in result.stderr


def test_an_unknown_customer_exits_1_with_the_hubs_message(scripted: ScriptedServer) -> None:
    scripted.script(error(404, "unknown customer 'ghost'"))
    result = ask(scripted, "customers", "delete", "ghost", "--yes")
    assert result.exit_code == REFUSED
    assert "unknown customer 'ghost' (HTTP 404)" in result.stderr


def test_a_deletion_is_never_sent_twice(scripted: ScriptedServer) -> None:
    scripted.script(error(503, "busy", **{"Retry-After": "0"}), Answer(200, b"{}"))
    result = ask(scripted, "customers", "delete", "acme", "--yes")
    assert result.exit_code == UNAVAILABLE
    assert len(scripted.requests) == 1


@pytest.mark.integration
def test_a_deleted_customer_is_gone_and_its_heartbeats_are_404(
    hub_cli: HubRunner, hub: HubCluster
) -> None:
    cid = configure(hub)
    deleted = json.loads(hub_cli.ok("customers", "delete", cid, "--yes", "--json").stdout)
    assert (deleted["ClientId"], deleted["InboundProfiles"]) == (cid, [7])
    gone = hub_cli("customers", "get", cid)
    assert gone.exit_code == REFUSED
    assert f"unknown customer '{cid}' (HTTP 404)" in gone.stderr
    assert hub.heartbeat(cid, REPORT, JSON).status == 404
    again = hub_cli("customers", "delete", cid, "--yes")
    assert again.exit_code == REFUSED
