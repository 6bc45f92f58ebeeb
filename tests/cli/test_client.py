"""The command against a real local HTTP server that answers what each test scripts.

Exit codes, messages on stderr, retries of 503, timeouts, the token's travel, `--json`.
"""

import json
from pathlib import Path

from click.testing import Result

from cli.errors import REFUSED, UNAVAILABLE
from localkafka.broker import free_port
from tests.cli.local_server import Answer, ScriptedServer
from tests.cli.runner import run

TOKEN = "t0ken-never-shown"  # noqa: S105 - a test token
VIEW = {"ClientId": "acme", "PbxId": "hq", "Name": "HQ", "SerialNumber": "", "AlertEmailList": []}
PBX = {**VIEW, "EventUrl": "/api/pbx/acme/hq/events/x", "ApiUsers": [], "Sessions": []}


def hub(
    server: ScriptedServer, *args: str, stdin: str | None = None, retry_for: str = "5"
) -> Result:
    """`hub` against the scripted server with the test token in HUB_ADMIN_TOKEN."""
    env = {"HUB_ADMIN_TOKEN": TOKEN, "HUB_URL": server.url}
    return run("--retry-for", retry_for, *args, stdin=stdin, env=env)


def error(status: int, message: str, **headers: str) -> Answer:
    """A JSON error answer as the admin API gives it."""
    return Answer(status, json.dumps({"error": message}).encode(), headers=headers)


def test_the_token_travels_as_a_bearer_header_only(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, json.dumps(PBX).encode()))
    result = hub(scripted, "pbxes", "get", "acme", "hq")
    assert result.exit_code == 0, result.stderr
    seen = scripted.requests[0]
    assert (seen.method, seen.path) == ("GET", "/admin/customers/acme/pbxes/hq")
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in result.output


def test_the_token_file_wins_over_the_variable(scripted: ScriptedServer, tmp_path: Path) -> None:
    (tmp_path / "token").write_text("file-token\n")
    scripted.script(Answer(200, json.dumps(PBX).encode()))
    env = {"HUB_ADMIN_TOKEN": TOKEN, "HUB_ADMIN_TOKEN_FILE": str(tmp_path / "token")}
    result = run("--url", scripted.url, "pbxes", "get", "acme", "hq", env=env)
    assert result.exit_code == 0, result.stderr
    assert scripted.requests[0].headers["authorization"] == "Bearer file-token"


def test_path_segments_are_quoted(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, json.dumps(PBX).encode()))
    hub(scripted, "pbxes", "get", "a/b c", "hq")
    assert scripted.requests[0].path == "/admin/customers/a%2Fb%20c/pbxes/hq"


def test_json_prints_the_body_exactly(scripted: ScriptedServer) -> None:
    body = b'{"ClientId":  "acme",\n "Sessions": []}'
    scripted.script(Answer(200, body))
    result = hub(scripted, "pbxes", "get", "acme", "hq", "--json")
    assert result.stdout == body.decode() + "\n"
    assert hub(scripted, "--json", "pbxes", "get", "acme", "hq").stdout == result.stdout


def test_a_refusal_exits_1_with_the_hubs_message(scripted: ScriptedServer) -> None:
    scripted.script(error(404, "customer 'acme' has no PBX 'hq'"))
    result = hub(scripted, "pbxes", "get", "acme", "hq")
    assert result.exit_code == REFUSED
    assert "customer 'acme' has no PBX 'hq' (HTTP 404)" in result.stderr
    assert result.stdout == ""


def test_a_body_that_is_not_json_is_shown_as_text(scripted: ScriptedServer) -> None:
    scripted.script(Answer(404, b"Not Found", content_type="text/plain"))
    result = hub(scripted, "pbxes", "get", "acme", "hq")
    assert result.exit_code == REFUSED
    assert "Not Found (HTTP 404)" in result.stderr


def test_503_is_retried_for_idempotent_requests(scripted: ScriptedServer) -> None:
    busy = error(503, "not recorded, retry shortly", **{"Retry-After": "0.1"})
    scripted.script(busy, busy, Answer(200, json.dumps(PBX).encode()))
    result = hub(scripted, "pbxes", "get", "acme", "hq")
    assert result.exit_code == 0, result.stderr
    assert len(scripted.requests) == 3


def test_503_past_the_retry_time_exits_3(scripted: ScriptedServer) -> None:
    scripted.script(error(503, "not recorded, retry shortly", **{"Retry-After": "1"}))
    result = hub(scripted, "pbxes", "get", "acme", "hq", retry_for="0")
    assert result.exit_code == UNAVAILABLE
    assert "not recorded, retry shortly (HTTP 503)" in result.stderr
    assert len(scripted.requests) == 1


def test_a_command_is_never_sent_twice(scripted: ScriptedServer) -> None:
    scripted.script(error(503, "busy", **{"Retry-After": "0"}), Answer(201, b'{"id": "c1"}'))
    result = hub(scripted, "commands", "send", "acme", "inbound", "7", "restart")
    assert result.exit_code == UNAVAILABLE
    assert len(scripted.requests) == 1


def test_a_server_error_exits_3(scripted: ScriptedServer) -> None:
    scripted.script(Answer(500, b"Internal Server Error", content_type="text/plain"))
    result = hub(scripted, "health", "acme")
    assert result.exit_code == UNAVAILABLE
    assert "Internal Server Error (HTTP 500)" in result.stderr


def test_a_slow_hub_times_out(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, b"{}", delay_s=2))
    result = hub(scripted, "--request-timeout", "0.2", "health", "acme")
    assert result.exit_code == UNAVAILABLE
    assert "no answer within 0.2 s" in result.stderr


def test_an_unreachable_hub_exits_3_with_a_clear_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = run("--url", url, "health", "acme", env={"HUB_ADMIN_TOKEN": TOKEN})
    assert result.exit_code == UNAVAILABLE
    assert f"cannot reach the hub at {url}: connection refused" in result.stderr


def test_usage_errors_exit_2() -> None:
    no_token = run("--url", "http://127.0.0.1:1", "health", "acme")
    assert no_token.exit_code == 2
    assert "no admin token" in no_token.stderr
    bad_url = run("--url", "ftp://hub", "health", "acme", env={"HUB_ADMIN_TOKEN": TOKEN})
    assert bad_url.exit_code == 2
    assert "not an http:// or https:// URL" in bad_url.stderr
    assert run("profiles", "get", "acme", "sideways", "7").exit_code == 2


def test_202_is_success_with_a_note(scripted: ScriptedServer) -> None:
    scripted.script(
        Answer(202, b'{"action": 1, "set_at": "2026-01-01T00:00:00Z", "reached_at": null}')
    )
    result = hub(scripted, "desired-state", "set", "acme", "inbound", "7", "start")
    assert result.exit_code == 0
    assert "not yet visible" in result.stderr
    assert json.loads(scripted.requests[0].body) == {"ClientActionRequest": 1}


def test_a_prompted_password_is_sent_and_never_shown(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, json.dumps(PBX).encode()))
    secret = "pr0mpted-Secret"  # noqa: S105 - a test password
    result = hub(scripted, "api-users", "put", "acme", "hq", "api", stdin=f"{secret}\n{secret}\n")
    assert result.exit_code == 0, result.stderr
    assert json.loads(scripted.requests[0].body) == {"Password": secret}
    assert secret not in result.output
    assert "Password of api" in result.stderr
    assert result.stdout.strip().startswith("PBX ")  # CliRunner ends hidden input with a newline


def test_a_csv_import_names_the_rows_behind_a_refused_line(
    scripted: ScriptedServer, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("clientId,RelayCustomerID,Name\na,1,A\nb,2,\n")
    scripted.script(error(400, "line 2: invalid: field 'customer.Name': Field required"))
    result = hub(scripted, "import", str(path))
    assert result.exit_code == REFUSED
    assert "line 2: invalid: field 'customer.Name'" in result.stderr
    assert "clientId 'b', CSV row(s) 3" in result.stderr
    assert scripted.requests[0].headers["content-type"] == "application/x-ndjson"


def test_an_answer_that_is_not_json_is_not_a_crash(scripted: ScriptedServer) -> None:
    scripted.script(Answer(200, b"<html>a web server</html>", content_type="text/html"))
    result = hub(scripted, "health", "acme")
    assert result.exit_code == UNAVAILABLE
    assert "the answer is not JSON (is HUB_URL the hub?)" in result.stderr
