"""The heartbeats' fast paths in process: the same answers as the Starlette routes, nothing
else taken."""

import secrets

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import MIDDLEWARE, ROUTES, build_services
from ingest.fast_paths import FastPaths
from ingest.metrics import REGISTRY
from ingest.settings import IngestSettings
from localkafka.broker import free_port
from schemas import metric_names as names

BEAT = b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1}]'
ROUTE = "/api/customer/{clientId}/heartbeat"


def clients() -> tuple[TestClient, TestClient]:
    """(fast path in front, Starlette route alone) with one responder nothing listens on."""
    settings = IngestSettings(
        admin_token=SecretStr(secrets.token_hex(16)),
        responder_url=f"http://127.0.0.1:{free_port()}",
        max_body_bytes=1024,
    )
    fast, plain = (
        FastPaths(Starlette(routes=ROUTES, middleware=MIDDLEWARE)),
        Starlette(routes=ROUTES),
    )
    # One set of clients each: a TestClient runs its own event loop.
    fast.state.services, plain.state.services = build_services(settings), build_services(settings)
    return TestClient(fast), TestClient(plain)


CASES = [
    ("c1", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}),  # 415
    ("c1", b" " * 2048, {"Content-Type": "text/xml"}),  # 413
    ("x" * 200, BEAT, {"Content-Type": "application/json"}),  # 404
    ("c1", BEAT, {"Content-Type": "application/json", "Accept": "text/xml"}),  # 503
]


@pytest.mark.parametrize(("cid", "body", "headers"), CASES)
def test_the_fast_path_answers_as_the_route_does(
    cid: str, body: bytes, headers: dict[str, str]
) -> None:
    fast, plain = clients()
    url = f"/api/customer/{cid}/heartbeat"
    a, b = (
        fast.put(url, content=body, headers=headers),
        plain.put(url, content=body, headers=headers),
    )
    assert a.status_code == b.status_code
    assert a.status_code in (404, 413, 415, 503)
    assert a.content == b.content
    assert dict(a.headers) == dict(b.headers)


def test_it_counts_what_it_serves_under_the_route_template() -> None:
    labels = {"route": ROUTE, "method": "PUT", "status": "415"}
    before = REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) or 0.0
    fast, _ = clients()
    fast.put("/api/customer/c1/heartbeat", content=b"x", headers={"Content-Type": "text/plain"})
    assert REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) == before + 1


def test_other_methods_and_paths_go_on_to_the_router() -> None:
    fast, _ = clients()
    assert fast.get("/api/customer/c1/heartbeat").status_code == 405  # the router's answer
    nested = fast.put("/api/customer/a/b/heartbeat", content=BEAT)
    assert nested.status_code == 404
    assert fast.get("/healthz").status_code == 200


PBX_CASES = [
    ("/api/v2.0.0/heartbeat", b'{"ipaddr": "10.0.0.1"}'),  # no token
    ("/api/v2.0.0/heartbeat?token=" + "a" * 32, b'{"ipaddr": "10.0.0.1"}'),  # 503: not ready
    ("/api/v2.0.0/heartbeat?token=" + "a" * 32, b"not json"),
    ("/api/v2.0.0/logout", b"{}"),
    ("/api/v2.0.0/nothing", b"{}"),  # 10003
]


@pytest.mark.parametrize(("url", "body"), PBX_CASES)
def test_a_pbx_api_call_is_answered_as_the_route_does(url: str, body: bytes) -> None:
    fast, plain = clients()
    a, b = fast.post(url, content=body), plain.post(url, content=body)
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert dict(a.headers) == dict(b.headers)
    assert a.headers["access-control-allow-origin"] == "*"


def test_a_pbx_api_call_is_counted_under_its_template() -> None:
    labels = {"route": "/api/v2.0.0/{call}", "method": "POST", "status": "200"}
    before = REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) or 0.0
    fast, _ = clients()
    assert fast.post("/api/v2.0.0/nothing", content=b"{}").status_code == 200
    assert REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) == before + 1


def test_other_pbx_api_methods_go_on_to_the_router() -> None:
    fast, plain = clients()
    a, b = fast.get("/api/v2.0.0/heartbeat"), plain.get("/api/v2.0.0/heartbeat")
    assert (a.status_code, a.content) == (b.status_code, b.content)  # 20001, from the route
