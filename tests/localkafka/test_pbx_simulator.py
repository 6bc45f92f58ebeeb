"""The PBX simulator itself: its API, token life and locks on a moved clock, faults, events.

Real HTTP to 127.0.0.1, no broker: these are quick tests and carry no `integration`
mark of their own.
"""

import re
import socket
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from localkafka.http import Reply, call
from localkafka.pbx_simulator import PbxSimulator
from localkafka.receiver import Receiver
from schemas.pbx_secrets import md5_hex

USER, PASSWORD = "api", "s3cret"
GOOD = {"username": USER, "password": md5_hex(PASSWORD)}
BAD = {"username": USER, "password": md5_hex("wrong")}
BEAT = {"ipaddr": "127.0.0.1", "port": 8260}
MINUTE = 60


@pytest.fixture
def pbx(tmp_path: Path) -> Iterator[PbxSimulator]:
    """A started simulator on a free port, its clock in a file of the test's own."""
    sim = PbxSimulator(USER, PASSWORD, clock_file=str(tmp_path / "clock")).start()
    yield sim
    sim.stop()


def api(sim: PbxSimulator, name: str, body: Any = None, token: str | None = None) -> Reply:
    """One call as an application server sends it."""
    url = f"{sim.base_url}/api/v2.0.0/{name}" + (f"?token={token}" if token is not None else "")
    data = None if body is None else orjson.dumps(body)
    return call("POST", url, data, {"Content-Type": "application/json"})


def errno(reply: Reply) -> str | None:
    """The errno of a Failed answer, None for Success; every answer is HTTP 200 JSON."""
    assert reply.status == 200, (reply.status, reply.body)
    doc = reply.json()
    return None if doc["status"] == "Success" else str(doc["errno"])


def login(sim: PbxSimulator, **fields: Any) -> str:
    """A token of a successful login."""
    reply = api(sim, "login", {**GOOD, **fields})
    assert errno(reply) is None, reply.body
    return str(reply.json()["token"])


def test_a_login_answers_a_token_and_opens_a_session(pbx: PbxSimulator) -> None:
    reply = api(pbx, "login", GOOD)
    doc = reply.json()
    assert (doc["status"], doc["transport"]) == ("Success", "HTTP")
    assert re.fullmatch("[0-9a-f]{32}", doc["token"])
    assert reply.content_type == "application/json"
    assert reply.headers["connection"] == "close"
    [session] = pbx.sessions()
    assert (session.token, session.version) == (doc["token"], "1.0.0")
    assert session.url == "http://127.0.0.1:8260/"
    [login_call] = pbx.calls
    assert (login_call.name, login_call.body, login_call.answer) == ("login", GOOD, "Success")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (BAD, "20003"),
        ({**GOOD, "username": "other"}, "20003"),
        ({"username": USER}, "10004"),
        ({**GOOD, "version": "3.0.0"}, "10003"),
    ],
)
def test_a_faulty_login_is_refused(pbx: PbxSimulator, body: dict[str, str], code: str) -> None:
    assert errno(api(pbx, "login", body)) == code
    assert pbx.sessions() == []


def test_five_failed_logins_lock_the_address_for_ten_minutes(pbx: PbxSimulator) -> None:
    for _ in range(5):
        assert errno(api(pbx, "login", BAD)) == "20003"
    assert errno(api(pbx, "login", GOOD)) == "20002"  # even with the right password
    pbx.advance_clock(10 * MINUTE - 5)
    assert errno(api(pbx, "login", GOOD)) == "20002"
    pbx.advance_clock(5)
    assert errno(api(pbx, "login", GOOD)) is None


def test_a_success_resets_the_count_of_failures(pbx: PbxSimulator) -> None:
    for _ in range(4):
        assert errno(api(pbx, "login", BAD)) == "20003"
    login(pbx)
    for _ in range(4):
        assert errno(api(pbx, "login", BAD)) == "20003"
    assert errno(api(pbx, "login", GOOD)) is None


def test_a_heartbeat_extends_the_tokens_life_by_thirty_minutes(pbx: PbxSimulator) -> None:
    token = login(pbx)
    pbx.advance_clock(29 * MINUTE)
    assert errno(api(pbx, "heartbeat", BEAT, token=token)) is None
    pbx.advance_clock(29 * MINUTE)
    assert [s.token for s in pbx.sessions()] == [token]
    pbx.advance_clock(1 * MINUTE)
    assert pbx.sessions() == []
    assert errno(api(pbx, "heartbeat", BEAT, token=token)) == "20006"
    assert errno(api(pbx, "logout", token=token)) == "20006"


def test_a_heartbeat_changes_where_events_go(pbx: PbxSimulator) -> None:
    token = login(pbx, port="9000", url="report")
    beat = {"ipaddr": "127.0.0.2", "version": "2.0.0", "urltag": "1", "url": "127.0.0.3:81/x"}
    assert errno(api(pbx, "heartbeat", beat, token=token)) is None
    [session] = pbx.sessions()
    assert (session.url, session.version) == ("http://127.0.0.3:81/x", "2.0.0")
    assert session.callback.port == 9000
    [_, heartbeat] = pbx.calls
    assert (heartbeat.name, heartbeat.token, heartbeat.body) == ("heartbeat", token, beat)


def test_token_calls_answer_the_errnos_of_the_page(pbx: PbxSimulator) -> None:
    token = login(pbx)
    assert errno(api(pbx, "heartbeat", BEAT)) == "20005"
    assert errno(api(pbx, "heartbeat", BEAT, token="")) == "20005"
    assert errno(api(pbx, "heartbeat", BEAT, token="0" * 32)) == "20004"
    assert errno(api(pbx, "heartbeat", {"port": 8260}, token=token)) == "10004"
    assert errno(api(pbx, "nosuchcall", BEAT, token=token)) == "10003"
    assert errno(call("GET", f"{pbx.base_url}/api/v2.0.0/heartbeat?token={token}")) == "20001"
    assert errno(api(pbx, "logout", token=token)) is None
    assert errno(api(pbx, "heartbeat", BEAT, token=token)) == "20004"
    assert [c.answer for c in pbx.calls_named("heartbeat")] == [
        "20005",
        "20005",
        "20004",
        "10004",
        "20001",
        "20004",
    ]


def test_a_restart_forgets_every_token_and_lock(pbx: PbxSimulator) -> None:
    token = login(pbx)
    for _ in range(5):
        api(pbx, "login", BAD)
    assert errno(api(pbx, "login", GOOD)) == "20002"
    pbx.restart()
    assert errno(api(pbx, "heartbeat", BEAT, token=token)) == "20004"
    assert errno(api(pbx, "login", GOOD)) is None


def test_a_refusing_pbx_resumes_on_the_same_port(pbx: PbxSimulator) -> None:
    token = login(pbx)
    port = pbx.port
    pbx.refuse()
    with pytest.raises(urllib.error.URLError) as caught:
        api(pbx, "heartbeat", BEAT, token=token)
    assert isinstance(caught.value.reason, ConnectionRefusedError)
    pbx.resume()
    assert pbx.port == port
    assert errno(api(pbx, "heartbeat", BEAT, token=token)) is None  # tokens outlive a refusal


def test_a_fault_status_answers_every_call_until_reset(pbx: PbxSimulator) -> None:
    pbx.answer_status(503)
    assert api(pbx, "login", GOOD).status == 503
    assert pbx.sessions() == []
    assert pbx.calls[-1].answer == "HTTP 503"
    pbx.answer_status(None)
    assert errno(api(pbx, "login", GOOD)) is None


def test_a_stalled_pbx_answers_late(pbx: PbxSimulator) -> None:
    pbx.stall(0.3)
    began = time.monotonic()
    assert errno(api(pbx, "login", GOOD)) is None
    assert time.monotonic() - began >= 0.3
    pbx.stall(0)


def test_an_event_reaches_each_session_in_its_version(
    pbx: PbxSimulator, receiver: Receiver
) -> None:
    login(pbx, port=receiver.port, url="v1")
    login(pbx, port=receiver.port, url="v2", version="2.0.0")
    event = {"event": "ExtensionStatus", "extension": "1006", "status": "Busy", "sn": "3631A2"}
    assert pbx.post_event(event) == [200, 200]
    [v1] = receiver.accepted("/v1")
    [v2] = receiver.accepted("/v2")
    rest = {k: v for k, v in event.items() if k != "event"}
    assert v1.json() == {"action": "ExtensionStatus", **rest}
    assert v2.json() == event
    assert v1.headers["user-agent"] == "WebAPI"
    assert v1.headers["content-type"] == v1.headers["accept"] == "application/json"


def test_an_event_without_a_counterpart_goes_to_its_version_only(
    pbx: PbxSimulator, receiver: Receiver
) -> None:
    login(pbx, port=receiver.port, url="v1")
    login(pbx, port=receiver.port, url="v2", version="2.0.0")
    event = {"event": "CallStatus", "callid": "1", "members": []}
    assert pbx.post_event(event, "2.0.0") == [200]
    assert [r.path for r in receiver.received] == ["/v2"]


def test_an_event_to_no_one_listening_is_a_connection_error(pbx: PbxSimulator) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    login(pbx, port=port)
    assert pbx.post_event({"action": "BootUp", "sn": "3631A2"}) == [-1]


def test_an_event_that_names_no_version_is_refused(pbx: PbxSimulator) -> None:
    with pytest.raises(ValueError, match="event"):
        pbx.post_event({"sn": "3631A2"})
