"""The ingress's /metrics and its request middleware, in process (no Kafka, no worker)."""

import asyncio
import secrets

import pytest
from prometheus_client import CollectorRegistry
from starlette.applications import Starlette
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from ingest.app import MIDDLEWARE, ROUTES, build_services
from ingest.fast_paths import FastPaths
from ingest.metrics import REGISTRY, RequestMetrics
from ingest.settings import IngestSettings
from localkafka.broker import free_port
from schemas import metric_names as names
from schemas.metrics import HttpMetrics

BEAT_ROUTE = "/api/customer/{clientId}/heartbeat"
SECRET_CLIENT = f"client-{secrets.token_hex(4)}"


def client() -> TestClient:
    """The ingress's routes and middleware, a responder URL nothing listens on, no lifespan."""
    settings = IngestSettings(responder_url=f"http://127.0.0.1:{free_port()}")
    app = FastPaths(Starlette(routes=ROUTES, middleware=MIDDLEWARE))
    app.state.services = build_services(settings)
    return TestClient(app)


def requests_counted(route: str, method: str, status: str) -> float:
    """The request counter's value for one label set (0 before the first)."""
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) or 0.0


def test_a_request_is_counted_by_its_route_template_and_status() -> None:
    before = requests_counted(BEAT_ROUTE, "PUT", "415")
    http = client()
    reply = http.put(f"/api/customer/{SECRET_CLIENT}/heartbeat", content=b"a=1")
    assert reply.status_code == 415
    assert requests_counted(BEAT_ROUTE, "PUT", "415") == before + 1
    text = http.get("/metrics").text
    assert f'{names.HTTP_DURATION}_bucket{{le="0.001",method="PUT",route="{BEAT_ROUTE}"}}' in text
    assert SECRET_CLIENT not in text


def test_an_unmatched_path_and_an_odd_method_keep_their_labels_bounded() -> None:
    before = requests_counted("unmatched", "other", "404")
    http = client()
    assert http.request("BREW", f"/no/such/{SECRET_CLIENT}").status_code == 404
    assert requests_counted("unmatched", "other", "404") == before + 1
    assert SECRET_CLIENT not in http.get("/metrics").text


def test_metrics_are_text_by_default_and_openmetrics_when_asked() -> None:
    http = client()
    plain = http.get("/metrics")
    assert plain.headers["content-type"].startswith("text/plain")
    assert "process_cpu_seconds_total" in plain.text
    accept = "application/openmetrics-text; version=1.0.0"
    open_metrics = http.get("/metrics", headers={"Accept": accept})
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.endswith("# EOF\n")


def test_metrics_through_a_proxy_are_404() -> None:
    reply = client().get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert reply.status_code == 404


async def failing_app(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that raises before it answers, as a bug would."""
    raise RuntimeError("bug")


def test_an_app_that_raises_is_counted_as_500() -> None:
    registry = CollectorRegistry()
    metrics = HttpMetrics(registry)
    scope = {"type": "http", "method": "GET", "path": "/x"}

    async def call() -> None:
        await RequestMetrics(failing_app, metrics)(scope, receive_nothing, send_nothing)

    with pytest.raises(RuntimeError):
        asyncio.run(call())
    labels = {"route": "unmatched", "method": "GET", "status": "500"}
    assert registry.get_sample_value(names.HTTP_REQUESTS, labels) == 1


async def receive_nothing() -> dict[str, object]:
    """An empty request body."""
    return {"type": "http.request", "body": b""}


async def send_nothing(message: object) -> None:
    """Drop the answer."""
