"""PBX heartbeats answered by the ingress from its live tokens, on a real broker and hub."""

import pytest

from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import wait_http
from tests.integration.pbx_helpers import api, errno, login, make_pbx, wait_for

pytestmark = pytest.mark.integration
BEAT = {"ipaddr": "192.168.6.24", "port": 8260}


def test_login_heartbeat_logout_heartbeat_at_one_ingress(own_hub: HubCluster) -> None:
    pbx = make_pbx(own_hub)
    for _ in range(3):  # no wait anywhere: each answer shows the call before it
        token = login(own_hub, pbx).json()["token"]
        assert errno(api(own_hub, "heartbeat", BEAT, token=token)) is None
        assert errno(api(own_hub, "logout", token=token)) is None
        assert errno(api(own_hub, "heartbeat", BEAT, token=token)) == "20004"


def test_a_heartbeat_is_answered_while_the_owning_worker_is_stopped(own_hub: HubCluster) -> None:
    pbx = make_pbx(own_hub)
    token = login(own_hub, pbx).json()["token"]
    worker = own_hub.workers[0]
    worker.stop()
    moved = {**BEAT, "port": 9000, "url": "events"}
    assert errno(api(own_hub, "heartbeat", moved, token=token)) is None
    assert errno(api(own_hub, "heartbeat", BEAT, token="f" * 32)) == "20004"
    worker.start()
    wait_http(f"{own_hub.worker_url(0)}/hub/ready", READY_TIMEOUT)
    # The renewal answered meanwhile was folded once the worker was back.
    (session,) = own_hub.admin("GET", pbx.path).json()["Sessions"]
    assert session["CallbackUrl"] == "http://192.168.6.24:9000/events"
    assert session["LastSeen"] != session["Created"]
    assert errno(api(own_hub, "heartbeat", BEAT, token=token)) is None
    assert wait_for(
        lambda: (
            own_hub.admin("GET", pbx.path).json()["Sessions"][0]["CallbackUrl"]
            == "http://192.168.6.24:8260/events"
        )
    )
