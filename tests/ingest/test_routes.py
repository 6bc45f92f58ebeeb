"""The ingress's routes in process (no Kafka, no worker): each status they answer alone."""

import secrets

import orjson
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import MIDDLEWARE, ROUTES, build_services
from ingest.fast_paths import FastPaths
from ingest.settings import IngestSettings
from localkafka.broker import free_port
from schemas import codec_json

TOKEN = secrets.token_hex(16)
BEAT = b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1}]'


def client(**settings: object) -> TestClient:
    """The routes, behind the fast paths, with a responder URL nothing listens on,
    and no lifespan."""
    base = {
        "admin_token": TOKEN,
        "responder_url": f"http://127.0.0.1:{free_port()}",
        "publish_timeout_s": 1.0,  # no broker listens: a write fails within a second
    }
    services = build_services(IngestSettings(**{**base, **settings}))  # type: ignore[arg-type]
    app = FastPaths(Starlette(routes=ROUTES, middleware=MIDDLEWARE))
    app.state.services = services
    return TestClient(app)


def put_beat(http: TestClient, cid: str, body: bytes, ctype: str) -> tuple[int, str, str]:
    reply = http.put(
        f"/api/customer/{cid}/heartbeat", content=body, headers={"Content-Type": ctype}
    )
    return reply.status_code, reply.headers["content-type"], reply.text


def test_a_form_body_is_415_in_json() -> None:
    status, ctype, text = put_beat(client(), "c1", b"a=1", "application/x-www-form-urlencoded")
    assert status == 415
    assert ctype.startswith("application/json")
    assert "not supported" in (codec_json.decode_response(text.encode()).LogMessage or "")


def test_an_oversize_body_is_413_in_the_clients_format() -> None:
    status, ctype, text = put_beat(client(max_body_bytes=1024), "c1", b" " * 2048, "text/xml")
    assert status == 413
    assert ctype.startswith("text/xml")
    assert "<ResponseStatus>Failure</ResponseStatus>" in text


def test_an_overlong_client_id_is_404() -> None:
    status, _, text = put_beat(client(), "x" * 200, BEAT, "application/json")
    assert status == 404
    assert "Unknown clientId" in text


def test_a_heartbeat_before_the_answers_replica_caught_up_is_503_with_retry_after() -> None:
    reply = client().put(
        "/api/customer/c1/heartbeat", content=BEAT, headers={"Content-Type": "application/json"}
    )
    assert reply.status_code == 503
    assert reply.headers["retry-after"] == "1"


def test_import_without_the_token_is_401() -> None:
    assert client().post("/admin/import", content=b"{}").status_code == 401


def test_import_with_a_bad_line_is_400_naming_it_and_publishes_nothing() -> None:
    good = {"clientId": "c1", "customer": {"RelayCustomerID": 1, "Name": "A"}}
    bad = {"clientId": "c2", "customer": {"RelayCustomerID": 2, "Name": "B"},
           "inbound": {"3": {"ProfileName": "x", "ReceivePort": "not a port"}}}  # fmt: skip
    body = orjson.dumps(good) + b"\n" + orjson.dumps(bad)
    reply = client().post(
        "/admin/import", content=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    # 400, not 503: validation comes first, so Kafka (unreachable here) was never asked.
    assert reply.status_code == 400
    assert reply.json()["error"].startswith("line 2: invalid: field 'inbound.3.ReceivePort'")


def test_import_past_its_size_bound_is_413() -> None:
    reply = client(max_import_bytes=1024).post(
        "/admin/import", content=b"{}\n" * 1000, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert reply.status_code == 413
