"""The hub as application server of a (simulated) PBX: login, heartbeats, recovery, events."""

from pathlib import Path

import orjson
import pytest

from localkafka.broker import LocalBroker
from localkafka.http import call
from localkafka.hub import HubCluster, start_hub
from localkafka.receiver import Receiver
from schemas.events import PbxConnectionEvent
from schemas.pbx_secrets import md5_hex
from schemas.topics import partition_for
from tests.integration.events import read_events
from tests.integration.pbx_helpers import login, make_pbx, session_login, wait_for
from tests.integration.upstream_helpers import (
    SIM_PASSWORD,
    SIM_USER,
    connect,
    connected_pbx,
    simulator,
    state,
)

pytestmark = pytest.mark.integration
INTERVAL = 600


def test_login_registers_the_hubs_event_url(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        (login,) = sim.calls_named("login")
        assert login.body["username"] == SIM_USER
        assert login.body["password"] == md5_hex(SIM_PASSWORD)
        assert login.body["url"] == hub.url + pbx.event_url
        assert str(login.body["urltag"]) == "1"
        assert login.body["version"] == "2.0.0"
        view = hub.admin("GET", f"{pbx.path}/upstream")
        assert view.json()["Username"] == SIM_USER
        for secret in (SIM_PASSWORD, md5_hex(SIM_PASSWORD), sim.sessions()[0].token):
            assert secret.encode() not in view.body


def test_heartbeats_keep_the_token_alive(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        connected_pbx(hub, sim)
        for n in (1, 2, 3):
            hub.advance_clock(INTERVAL + 1)
            assert wait_for(lambda n=n: len(sim.calls_named("heartbeat")) >= n, 20)  # type: ignore[misc]
        beat = sim.calls_named("heartbeat")[-1].body
        assert {"ipaddr", "port", "url", "urltag", "version"} <= set(beat)
        assert len(sim.calls_named("login")) == 1
        assert len(sim.sessions()) == 1  # 30 min passed since the login: alive by heartbeats


def test_a_forgotten_token_is_replaced_by_a_new_login(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        sim.restart()
        hub.advance_clock(INTERVAL + 1)
        assert wait_for(lambda: len(sim.calls_named("login")) == 2, 20)
        assert wait_for(lambda: state(hub, pbx) == "connected")
        assert sim.calls_named("heartbeat")[-1].answer == "20004"


def test_wrong_credentials_stop_the_retries(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = make_pbx(hub)
        assert connect(hub, pbx, sim, Password="wrong").status == 200  # noqa: S106
        assert wait_for(lambda: state(hub, pbx) == "credentials-rejected", 20)
        hub.advance_clock(3600)
        assert not wait_for(lambda: len(sim.calls_named("login")) > 1, 5)
        assert login(hub, pbx).json()["status"] == "Success"  # an app server follows it
        health = hub.admin("GET", f"/customers/{pbx.client_id}/health").json()
        assert health["pbxes"][0]["upstream"] == "credentials-rejected"
        assert health["pbxes"][0]["health"] == "error"
        assert connect(hub, pbx, sim).status == 200  # the right password: tried again
        assert wait_for(lambda: state(hub, pbx) == "connected", 20)


def test_a_lock_is_waited_out(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = make_pbx(hub)
        bad = b'{"username":"api","password":"%s"}' % (b"0" * 32)
        for _ in range(5):  # from this machine, the hub's address too
            call("POST", f"{sim.base_url}/api/v2.0.0/login", bad, {})
        assert connect(hub, pbx, sim).status == 200
        assert wait_for(lambda: state(hub, pbx) == "locked", 20)
        hub.advance_clock(5 * 60)
        assert not wait_for(lambda: len(sim.calls_named("login")) > 6, 3)
        hub.advance_clock(5 * 60 + 1)
        assert wait_for(lambda: state(hub, pbx) == "connected", 20)


def test_events_from_the_pbx_reach_a_hub_session(hub: HubCluster) -> None:
    receiver = Receiver().start()
    try:
        with simulator(hub) as sim:
            pbx = connected_pbx(hub, sim)
            session_login(hub, pbx, receiver.port, "app")
            event = {"event": "ExtensionStatus", "extension": "1006", "status": "Busy", "sn": "s"}
            assert sim.post_event(event) == [200]
            assert wait_for(lambda: [r.json() for r in receiver.accepted("/app")] == [event])
    finally:
        receiver.stop()


def test_disconnecting_logs_out(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        assert hub.admin("DELETE", f"{pbx.path}/upstream").status == 204
        assert wait_for(lambda: len(sim.calls_named("logout")) == 1, 20)
        assert wait_for(lambda: state(hub, pbx) is None)
        assert sim.sessions() == []

        def states() -> list[str]:
            found = read_events(
                hub.bootstrap, f"{hub.prefix}health-events", pbx.client_id, orjson.loads, 0, 1
            )
            kinds = [PbxConnectionEvent.model_validate(e) for e in found if e["kind"] != "health"]
            return [e.to_state for e in kinds]

        assert wait_for(lambda: states() == ["connected", "disconnecting"], 20), states()


def test_another_worker_continues_without_a_second_login(
    kafka_broker: LocalBroker, tmp_path: Path
) -> None:
    hub = start_hub(kafka_broker, tmp_path, workers=2)
    try:
        with simulator(hub) as sim:
            pbx = connected_pbx(hub, sim)
            owners = call("GET", f"{hub.worker_url(0)}/hub/owners").json()["owners"]
            owner_url = owners[str(partition_for(pbx.client_id, hub.partitions))]
            index = [hub.worker_url(i) for i in range(2)].index(owner_url.rstrip("/"))
            hub.workers[index].kill()
            hub.advance_clock(INTERVAL + 1)
            assert wait_for(lambda: len(sim.calls_named("heartbeat")) >= 1, 60)
            assert sim.calls_named("heartbeat")[-1].answer == "Success"
            assert len(sim.calls_named("login")) == 1
    finally:
        hub.stop()
