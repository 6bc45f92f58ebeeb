"""PBX event reports taken by the ingress itself (`HUB_PBX_EVENTS_AT_INGRESS`, on by
default), on a real broker and hub (`own_hub`): accepted while the PBX's worker is away,
delivered in order once it is back, and none lost while partitions move between workers
(`processors.runtime.fold_gate`)."""

import threading
import time

import pytest

from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import wait_http
from localkafka.receiver import Receiver
from tests.integration.pbx_helpers import Pbx, make_pbx, post_event, session_login, wait_for

pytestmark = pytest.mark.integration


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

    def seen() -> str:
        """What was received, and the PBX's sessions as the hub sees them (for a failure)."""
        return f"{numbers()}; {own_hub.admin('GET', pbx.path).body!r}"

    assert wait_for(lambda: len(numbers()) >= taken, 60), seen()
    assert numbers() == list(range(taken)), seen()


def test_a_wrong_secret_is_404_and_a_deleted_pbx_s_url_too(own_hub: HubCluster) -> None:
    pbx = make_pbx(own_hub)
    assert post_event(own_hub, pbx, {"event": "BootUp", "sn": "1"}).status == 200
    good = pbx.event_url
    pbx.event_url = good[:-40] + ("1" * 40 if good.endswith("0" * 40) else "0" * 40)
    assert post_event(own_hub, pbx, {"event": "BootUp", "sn": "2"}).status == 404
    pbx.event_url = good
    assert own_hub.admin("DELETE", pbx.path).status == 204
    assert wait_for(lambda: post_event(own_hub, pbx, {"event": "BootUp"}).status == 404)


def _posted_while_a_worker_joins_and_leaves(hub: HubCluster, pbxes: list[Pbx]) -> list[list[int]]:
    """Numbered reports posted by every PBX, ten a second each, while a second worker joins
    and then leaves; for each PBX, the numbers answered 200."""
    taken: list[list[int]] = [[] for _ in pbxes]
    stop = threading.Event()

    def post_all() -> None:
        n = 0
        while not stop.is_set():
            for i, pbx in enumerate(pbxes):
                if post_event(hub, pbx, {"event": "BootUp", "sn": str(n)}).status == 200:
                    taken[i].append(n)
            n += 1
            stop.wait(0.1)  # ten reports a second per PBX: enough to span each step

    poster = threading.Thread(target=post_all)
    poster.start()
    try:
        time.sleep(1)
        hub.add_worker()
        hub.wait_ready()
        time.sleep(1)
        hub.workers[1].stop()
        hub.wait_ready()
        time.sleep(1)
    finally:
        stop.set()
        poster.join()
    return taken


def test_reports_taken_while_a_worker_joins_and_leaves_are_all_delivered_in_order(
    own_hub: HubCluster, receiver: Receiver
) -> None:
    # Eight PBXes, so that the partitions moving to the new worker and back hold some.
    pbxes = [make_pbx(own_hub) for _ in range(8)]
    for i, pbx in enumerate(pbxes):
        session_login(own_hub, pbx, receiver.port, f"desk{i}")
    taken = _posted_while_a_worker_joins_and_leaves(own_hub, pbxes)

    def numbers(i: int) -> list[int]:
        return [int(r.json()["sn"]) for r in receiver.accepted(f"/desk{i}")]

    def all_delivered() -> bool:
        return all(set(sent) <= set(numbers(i)) for i, sent in enumerate(taken))

    assert all(taken), taken
    assert wait_for(all_delivered, 90), [
        sorted(set(s) - set(numbers(i))) for i, s in enumerate(taken)
    ]
    for i in range(len(pbxes)):
        got = numbers(i)
        # At least once: a delivery the moving worker had started may come twice, but
        # never out of order.
        assert sorted(got) == got, (i, got)
