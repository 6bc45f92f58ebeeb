"""A field the hub does not know: the command shows the hub's 400 naming it, and exits 1.

Against the ingress's real routes on loopback (nothing behind them: a refused body never
reaches Kafka or a worker).
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result

from cli.errors import REFUSED
from tests.cli.routes_server import RoutesServer
from tests.cli.runner import run


@pytest.fixture(scope="module")
def ingress() -> Iterator[RoutesServer]:
    with RoutesServer() as server:
        yield server


def hub(server: RoutesServer, *args: str) -> Result:
    env = {"HUB_URL": server.url, "HUB_ADMIN_TOKEN": server.token}
    return run("--retry-for", "0", *args, env=env)


def test_an_import_with_a_misspelled_field_names_the_line_and_field(
    ingress: RoutesServer, tmp_path: Path
) -> None:
    good = {"clientId": "a", "customer": {"RelayCustomerID": 1, "Name": "A"}}
    bad = {**good, "clientId": "b", "inbound": {"7": {"RecievePort": 2575}}}
    path = tmp_path / "customers.ndjson"
    path.write_text(f"{json.dumps(good)}\n{json.dumps(bad)}\n")
    result = hub(ingress, "import", str(path))
    assert result.exit_code == REFUSED, result.output
    assert "line 2: invalid: unknown field 'inbound.7.RecievePort' (HTTP 400)" in result.stderr


def test_a_body_file_with_a_misspelled_field_is_refused_naming_it(
    ingress: RoutesServer, tmp_path: Path
) -> None:
    path = tmp_path / "profile.json"
    path.write_text(json.dumps({"ProfileName": "lab", "RecievePort": 2575}))
    result = hub(ingress, "profiles", "put", "a", "inbound", "7", "--file", str(path))
    assert result.exit_code == REFUSED, result.output
    assert "invalid body: unknown field 'RecievePort' (HTTP 400)" in result.stderr


def test_a_csv_with_a_misspelled_column_is_refused_before_sending(
    ingress: RoutesServer, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("clientId,RelayCustomerID,Name,ProfileType,ProfileId,RecievePort\n")
    result = hub(ingress, "import", str(path))
    assert result.exit_code == 2, result.output
    assert "unknown column(s): RecievePort" in result.stderr
