"""Admin bodies refuse fields the hub does not know, in process (no Kafka, no worker).

A refused body is a 400 naming the field before anything is asked of a worker or
Kafka; a body of known fields only gets past validation and needs the worker (503
here, where none listens), which shows the check refuses nothing it should take.
"""

import orjson
import pytest

from tests.ingest.test_routes import TOKEN, client

AUTH = {"Authorization": f"Bearer {TOKEN}"}
C = "/admin/customers/c1"
P = f"{C}/profiles/inbound/1"
PBX = f"{C}/pbxes/hq"
KEY = "k" * 24
WINDOW = {"start": "2030-01-01T00:00:00Z", "end": "2030-01-01T01:00:00Z"}
UPSTREAM = {"BaseUrl": "http://127.0.0.1:9", "Username": "api", "Password": "pw"}

# Each kind of admin body: method, path, a valid body, and a misspelled field to add to it.
BODIES = [
    ("PUT", C, {"RelayCustomerID": 1, "Name": "A"}, "GracePeriodSecs"),
    ("PUT", P, {"ProfileName": "lab", "ReceivePort": 2575}, "RecievePort"),
    ("PUT", f"{C}/profiles/outbound/2", {"ProfileName": "out"}, "WebServicePollInterval"),
    ("PUT", f"{P}/maintenance", {"windows": [WINDOW]}, "window"),
    ("PUT", f"{P}/desired-state", {"ClientActionRequest": 1}, "ClientAction"),
    ("POST", f"{P}/commands", {"command": "restart"}, "ttl"),
    ("PUT", f"{C}/access", {"Key": KEY}, "AllowedNetwork"),
    ("POST", "/admin/tokens", {"Name": "n", "ClientIds": ["c1"]}, "Acess"),
    ("PUT", PBX, {"Name": "HQ"}, "Serial"),
    ("PUT", f"{PBX}/api-users/api", {"Password": "pw"}, "Pasword"),
    ("PUT", f"{PBX}/upstream", UPSTREAM, "HeartbeatInterval"),
]


def send(method: str, path: str, body: object) -> tuple[int, str]:
    """The status and `error` (or body) of one admin call."""
    reply = client().request(method, path, content=orjson.dumps(body), headers=AUTH)
    doc = reply.json() if reply.content else {}
    return reply.status_code, str(doc.get("error", doc) if isinstance(doc, dict) else doc)


@pytest.mark.parametrize(("method", "path", "body", "typo"), BODIES)
def test_a_misspelled_field_is_400_naming_it(
    method: str, path: str, body: dict[str, object], typo: str
) -> None:
    status, error = send(method, path, {**body, typo: 1})
    assert status == 400
    assert error == f"invalid body: unknown field '{typo}'"


@pytest.mark.parametrize(("method", "path", "body", "typo"), BODIES)
def test_the_same_body_without_it_gets_past_validation(
    method: str, path: str, body: dict[str, object], typo: str
) -> None:
    status, error = send(method, path, body)
    assert status == 503, error


def test_every_unknown_field_is_named() -> None:
    status, error = send("PUT", P, {"RecievePort": 1, "ProfileName": "x", "Activ": True})
    assert status == 400
    assert error == "invalid body: unknown fields 'RecievePort', 'Activ'"


def test_a_misspelled_required_field_is_named_rather_than_the_missing_one() -> None:
    status, error = send("PUT", C, {"RelayCustomerID": 1, "Nmae": "A"})
    assert (status, error) == (400, "invalid body: unknown field 'Nmae'")


def test_a_nested_unknown_field_is_named_by_its_path() -> None:
    status, error = send("PUT", f"{P}/maintenance", {"windows": [WINDOW, {**WINDOW, "reson": 1}]})
    assert (status, error) == (400, "invalid body: unknown field 'windows[1].reson'")


def test_many_unknown_fields_make_a_short_answer() -> None:
    status, error = send("PUT", C, {f"x{n}": n for n in range(1000)})
    assert status == 400
    assert error.endswith("'x9' and 990 more")


def test_a_profile_takes_timing_overrides_and_the_state_members_of_an_answer() -> None:
    state = {"ServerStatus": 1, "PendingHeartbeatCommand": 0, "LastHeartbeatDateTime": None}
    body = {"ProfileName": "lab", "HeartbeatIntervalSeconds": 30, **state}
    status, error = send("PUT", P, body)
    assert status == 503, error


def test_a_wrong_value_is_still_named_as_before() -> None:
    status, error = send("PUT", P, {"ReceivePort": "not a port"})
    assert status == 400
    assert error.startswith("invalid body: field 'ReceivePort': ")


def post_import(*lines: object) -> tuple[int, str]:
    """`POST /admin/import` of the lines: status and `error`."""
    body = b"\n".join(orjson.dumps(line) for line in lines)
    reply = client().post("/admin/import", content=body, headers=AUTH)
    return reply.status_code, str(reply.json().get("error"))


GOOD = {"clientId": "c1", "customer": {"RelayCustomerID": 1, "Name": "A"}}


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({**GOOD, "inbond": {}}, "inbond"),
        ({**GOOD, "customer": {"RelayCustomerID": 2, "Nmae": "B"}}, "customer.Nmae"),
        ({**GOOD, "inbound": {"7": {"RecievePort": 2575}}}, "inbound.7.RecievePort"),
        ({**GOOD, "outbound": {"2": {"ProfileName": "o", "Colour": 1}}}, "outbound.2.Colour"),
    ],
)
def test_an_import_names_the_line_and_the_unknown_field(
    line: dict[str, object], field: str
) -> None:
    # 400, not 503: nothing was published (Kafka, unreachable here, was never asked).
    assert post_import(GOOD, line) == (400, f"line 2: invalid: unknown field '{field}'")
