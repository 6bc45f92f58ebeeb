"""PBX event reports taken by the ingress itself (`HUB_PBX_EVENTS_AT_INGRESS`), on a real
broker and hub: accepted while the PBX's worker is away, delivered in order once it is
back."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.hub import READY_TIMEOUT, HubCluster, start_hub
from localkafka.process import wait_http
from localkafka.receiver import Receiver
from tests.integration.pbx_helpers import make_pbx, post_event, session_login, wait_for

pytestmark = pytest.mark.integration


@pytest.fixture
def own_hub(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    """A hub of the test's own whose ingress takes event reports itself."""
    cluster = start_hub(kafka_broker, tmp_path, env={"HUB_PBX_EVENTS_AT_INGRESS": "true"})
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver().start()
    yield r
    r.stop()


def test_event_reports_are_taken_while_the_worker_is_stopped(
    own_hub: HubCluster, receiver: Receiver
) -> None:
    pbx = make_pbx(own_hub)
    session_login(own_hub, pbx, receiver.port, "desk")
    assert post_event(own_hub, pbx, {"event": "BootUp", "sn": "0"}).status == 200
    worker = own_hub.workers[0]
    worker.stop()
    taken = 1
    for n in range(1, 6):
        # The gate reached this ingress's replica with the PBX's creation, so no report
        # waits for the worker (a 503 here would be the worker being asked).
        reply = post_event(own_hub, pbx, {"event": "BootUp", "sn": str(n)})
        assert reply.status == 200, reply.body
        taken += 1
    worker.start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)

    def numbers() -> list[int]:
        return [int(r.json()["sn"]) for r in receiver.accepted("/desk")]

    assert wait_for(lambda: len(numbers()) >= taken, 60), numbers()
    assert numbers() == list(range(taken))


def test_a_wrong_secret_is_404_and_a_deleted_pbx_s_url_too(own_hub: HubCluster) -> None:
    pbx = make_pbx(own_hub)
    assert post_event(own_hub, pbx, {"event": "BootUp", "sn": "1"}).status == 200
    good = pbx.event_url
    pbx.event_url = good[:-40] + ("1" * 40 if good.endswith("0" * 40) else "0" * 40)
    assert post_event(own_hub, pbx, {"event": "BootUp", "sn": "2"}).status == 404
    pbx.event_url = good
    assert own_hub.admin("DELETE", pbx.path).status == 204
    assert wait_for(lambda: post_event(own_hub, pbx, {"event": "BootUp"}).status == 404)
