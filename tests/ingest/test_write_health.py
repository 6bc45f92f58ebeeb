"""Readiness and liveness of the ingress follow its Kafka acknowledgements."""

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from ingest.app import ROUTES, build_services
from ingest.settings import IngestSettings
from ingest.write_health import WriteHealth


def test_nothing_acknowledged_yet_is_unready() -> None:
    health = WriteHealth(stale_s=10, started=0)
    status = health.status(1)
    assert not status.ready
    assert status.last_ack_age_s is None


def test_a_recent_ack_is_ready_and_a_later_failure_is_not() -> None:
    health = WriteHealth(stale_s=10, started=0)
    health.acked(1)
    assert health.status(2).ready
    health.failed(3, "no acknowledgement from Kafka")
    status = health.status(3)
    assert not status.ready
    assert status.reason == "no acknowledgement from Kafka"
    health.acked(4)
    assert health.status(4).ready


def test_an_old_ack_is_stale() -> None:
    health = WriteHealth(stale_s=10, started=0)
    health.acked(1)
    status = health.status(12)
    assert not status.ready
    assert "no write acknowledged for 11.0 s" in status.reason


def test_unready_time_counts_from_the_last_ready_moment() -> None:
    health = WriteHealth(stale_s=10, started=0)
    health.acked(1)
    assert health.status(1).unready_for_s == 0
    health.failed(2, "down")
    assert health.status(32).unready_for_s == 31


class FakeClock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def client(clock: FakeClock) -> tuple[TestClient, WriteHealth]:
    """The ingress's routes without the lifespan: no Kafka connection is made."""
    settings = IngestSettings(liveness_limit_s=60, ready_stale_s=10)
    services = build_services(settings)
    services.publisher._clock = clock
    services.publisher.health = WriteHealth(stale_s=10, started=clock.now)
    services.answers.replica.ready.set()  # the answers replica caught up
    services.live_tokens.replica.ready.set()  # and the live tokens'
    app = Starlette(routes=ROUTES)
    app.state.services = services
    return TestClient(app), services.publisher.health


def test_readyz_is_503_until_a_write_is_acknowledged_then_200() -> None:
    clock = FakeClock()
    http, health = client(clock)
    first = http.get("/readyz")
    assert first.status_code == 503
    assert first.json()["kafkaWrites"] == "failing"
    health.acked(clock.now)
    ok = http.get("/readyz")
    assert ok.status_code == 200
    assert ok.json() == {
        "status": "ready",
        "answers": "caught up",
        "liveTokens": "caught up",
        "kafkaWrites": "acknowledged",
        "reason": "ok",
        "lastAckAgeSeconds": 0.0,
        "unreadySeconds": 0.0,
    }


def test_healthz_fails_only_after_the_liveness_limit_of_failing_writes() -> None:
    clock = FakeClock()
    http, health = client(clock)
    health.acked(clock.now)
    health.failed(clock.now, "no acknowledgement from Kafka")
    clock.now += 30
    assert http.get("/healthz").status_code == 200
    assert http.get("/readyz").status_code == 503
    clock.now += 31
    stuck = http.get("/healthz")
    assert stuck.status_code == 503
    assert stuck.json()["status"] == "stuck"
    health.acked(clock.now)
    assert http.get("/healthz").status_code == 200


@pytest.mark.parametrize(
    ("replica", "member"), [("answers", "answers"), ("live_tokens", "liveTokens")]
)
def test_readyz_is_503_while_a_replica_reads(replica: str, member: str) -> None:
    clock = FakeClock()
    http, health = client(clock)
    health.acked(clock.now)
    getattr(http.app.state.services, replica).replica.ready.clear()  # type: ignore[attr-defined]
    reading = http.get("/readyz")
    assert reading.status_code == 503
    assert reading.json()[member] == "reading"
