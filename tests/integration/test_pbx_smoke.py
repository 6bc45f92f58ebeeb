"""The PBX API end to end: configure, log in, heartbeat, post an event, see it arrive."""

import time

import pytest

from localkafka.hub import HubCluster
from localkafka.receiver import Receiver
from tests.integration.pbx_helpers import api, login, make_pbx, post_event

pytestmark = pytest.mark.integration


def test_event_reaches_a_logged_in_session(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    receiver = Receiver().start()
    try:
        reply = login(
            hub, pbx, ipaddr="127.0.0.1", port=receiver.port, url="report", version="2.0.0"
        )
        assert reply.json()["status"] == "Success", reply.body
        token = reply.json()["token"]
        hb = api(hub, "heartbeat", {"ipaddr": "127.0.0.1", "port": receiver.port}, token=token)
        assert hb.json() == {"status": "Success"}
        ev = {"event": "ExtensionStatus", "extension": "1006", "status": "Registered", "sn": "x"}
        assert post_event(hub, pbx, ev).status == 200
        deadline = time.monotonic() + 20
        while not receiver.accepted() and time.monotonic() < deadline:
            time.sleep(0.1)
        got = receiver.accepted()
        assert [r.json() for r in got] == [ev]
        assert got[0].path == "/report"
        assert got[0].headers["user-agent"] == "WebAPI"
    finally:
        receiver.stop()
