"""`hub commands watch` against a local server: the exit code follows the final state."""

import json
from typing import Any

from click.testing import Result

from cli.errors import REFUSED, WATCH_TIMEOUT
from tests.cli.local_server import Answer, ScriptedServer
from tests.cli.runner import run

WATCH = ("commands", "watch", "acme", "inbound", "7", "c1", "--interval", "0.1")


def record(state: str, deliveries: int = 0) -> Answer:
    """The command in `state`, as `GET .../commands/c1` answers it."""
    doc: dict[str, Any] = {
        "id": "c1",
        "command": "restart",
        "state": state,
        "deliveries": deliveries,
        "history": [{"state": state, "at": "2026-01-01T00:00:00Z", "deliveries": deliveries}],
    }
    return Answer(200, json.dumps(doc).encode())


def watch(server: ScriptedServer, *args: str) -> Result:
    """`hub commands watch` of command c1 against the server."""
    env = {"HUB_ADMIN_TOKEN": "t", "HUB_URL": server.url}
    return run(*WATCH, *args, env=env)


def test_acknowledged_exits_0_and_shows_each_state_once(scripted: ScriptedServer) -> None:
    scripted.script(
        record("queued"), record("queued"), record("delivered", 1), record("acknowledged", 1)
    )
    result = watch(scripted)
    assert result.exit_code == 0, result.stderr
    states = [line.split()[2] for line in result.stdout.splitlines()]
    assert states == ["queued", "delivered", "acknowledged"]


def test_another_final_state_exits_1(scripted: ScriptedServer) -> None:
    scripted.script(record("delivered", 3), record("failed", 3))
    result = watch(scripted, "--json")
    assert result.exit_code == REFUSED
    assert json.loads(result.stdout)["state"] == "failed"
    assert "ended failed, not acknowledged" in result.stderr


def test_a_command_that_does_not_finish_in_time_exits_4(scripted: ScriptedServer) -> None:
    scripted.script(record("queued"))
    result = watch(scripted, "--timeout", "0.5")
    assert result.exit_code == WATCH_TIMEOUT
    assert "still queued after 0.5 s" in result.stderr
    assert 2 <= len(scripted.requests) <= 10
