"""Load shedding: past the bound of requests in flight, 503 with Retry-After, nothing sent on."""

import asyncio
import time

import orjson
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import ROUTES, build_services
from ingest.settings import IngestSettings
from ingest.shedding import Gate, watch_lag
from localkafka.broker import free_port
from schemas import codec_json

BEAT = b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1}]'


def _full_client() -> tuple[TestClient, Gate]:
    """The routes with every place of the gate taken (as by requests in flight)."""
    settings = IngestSettings(responder_url=f"http://127.0.0.1:{free_port()}", max_in_flight=2)
    services = build_services(settings)
    services.gate.in_flight = 2
    app = Starlette(routes=ROUTES)
    app.state.services = services
    return TestClient(app), services.gate


def test_the_gate_counts_places() -> None:
    gate = Gate(limit=2)
    assert gate.enter()
    assert gate.enter()
    assert not gate.enter()
    assert gate.shed == 1
    gate.leave()
    assert gate.enter()


def test_a_heartbeat_past_the_bound_is_503_in_the_clients_format() -> None:
    http, gate = _full_client()
    for ctype in ("application/json", "application/xml"):
        reply = http.put(
            "/api/customer/c1/heartbeat", content=_body(ctype), headers={"Content-Type": ctype}
        )
        assert reply.status_code == 503
        assert reply.headers["retry-after"] == "1"
        assert reply.headers["content-type"].startswith(ctype)
    assert gate.shed == 2
    assert gate.in_flight == 2  # nothing taken, nothing given back


def test_the_answer_names_the_reason() -> None:
    http, _ = _full_client()
    reply = http.put(
        "/api/customer/c1/heartbeat", content=BEAT, headers={"Content-Type": "application/json"}
    )
    assert "capacity" in (codec_json.decode_response(reply.content).LogMessage or "")


def test_pbx_calls_and_events_past_the_bound_are_503() -> None:
    http, _ = _full_client()
    login = http.post("/api/v2.0.0/login", content=b'{"username":"u","password":"p"}')
    assert login.status_code == 503
    assert orjson.loads(login.content) == {"status": "Failed", "errno": "30001"}
    event = http.post(f"/api/pbx/c1/hq/events/{'ab' * 20}", content=b'{"event":"BootUp"}')
    assert event.status_code == 503
    assert event.headers["retry-after"] == "1"


def _body(ctype: str) -> bytes:
    if ctype == "application/json":
        return BEAT
    return (
        b'<ArrayOfProfileHeartbeatData xmlns="http://schemas.datacontract.org/2004/07/'
        b'Interface.Relay.TransferObjects"/>'
    )


def test_a_lagging_event_loop_sheds_until_it_catches_up() -> None:
    gate = Gate(limit=10, max_lag_s=0.1)
    gate.note_lag(0.5)
    assert gate.enter()  # one late probe: a pause, not a queue
    gate.leave()
    gate.note_lag(0.3)
    assert not gate.enter()
    assert gate.in_flight == 0
    gate.note_lag(0.01)
    assert gate.enter()
    assert gate.shed == 1


def test_no_lag_bound_when_it_is_off() -> None:
    gate = Gate(limit=10, max_lag_s=0.0)
    gate.note_lag(5.0)
    gate.note_lag(5.0)
    assert gate.enter()


async def test_the_watcher_sees_a_loop_kept_busy() -> None:
    gate = Gate(limit=10, max_lag_s=0.1)
    watcher = asyncio.get_running_loop().create_task(watch_lag(gate, every_s=0.01))
    await asyncio.sleep(0.05)
    for _ in range(2):
        time.sleep(0.3)  # the loop is busy: the watcher's sleep ends late  # noqa: ASYNC251
        await asyncio.sleep(0.001)
    assert min(gate.lag_s, gate.earlier_lag_s) > 0.2
    assert not gate.enter()
    await asyncio.sleep(0.1)
    assert gate.lag_s < 0.1
    assert gate.enter()
    watcher.cancel()
