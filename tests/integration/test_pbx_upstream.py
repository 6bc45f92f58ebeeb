"""The hub as application server of a (simulated) PBX: login, heartbeats, recovery, events."""

from pathlib import Path

import pytest

from localkafka.broker import LocalBroker
from localkafka.http import call
from localkafka.hub import HubCluster, start_hub
from localkafka.receiver import Receiver
from schemas.pbx_secrets import md5_hex
from schemas.topics import partition_for
from tests.integration.pbx_helpers import login, make_pbx, session_login, wait_for
from tests.integration.upstream_helpers import (
    SIM_PASSWORD,
    SIM_USER,
    connect,
    connected_pbx,
    connection_states,
    simulator,
    state,
)

pytestmark = pytest.mark.integration
INTERVAL = 600
NEW_PASSWORD = "pbx-N3w-Pa55"  # noqa: S105 - the simulator's password once changed


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
            assert wait_for(lambda n=n: len(sim.calls_named("heartbeat")) >= n, 60)  # type: ignore[misc]
        beat = sim.calls_named("heartbeat")[-1].body
        assert {"ipaddr", "port", "url", "urltag", "version"} <= set(beat)
        assert len(sim.calls_named("login")) == 1
        assert len(sim.sessions()) == 1  # 30 min passed since the login: alive by heartbeats


def test_a_forgotten_token_is_replaced_by_a_new_login(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        sim.restart()
        hub.advance_clock(INTERVAL + 1)
        assert wait_for(lambda: len(sim.calls_named("login")) == 2, 60)
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


def test_a_new_password_is_checked_by_one_login_and_events_keep_arriving(
    hub: HubCluster,
) -> None:
    receiver = Receiver().start()
    try:
        with simulator(hub) as sim:
            pbx = connected_pbx(hub, sim)
            session_login(hub, pbx, receiver.port, "app")
            (old,) = sim.sessions()
            sim.password = NEW_PASSWORD  # changed on the PBX: the hub's session lives on
            assert connect(hub, pbx, sim, Password=NEW_PASSWORD).status == 200
            assert wait_for(lambda: [c.token for c in sim.calls_named("logout")] == [old.token])
            logins = [(c.body["password"], c.answer) for c in sim.calls_named("login")]
            assert logins == [
                (md5_hex(SIM_PASSWORD), "Success"),
                (md5_hex(NEW_PASSWORD), "Success"),
            ]
            (new,) = sim.sessions()
            assert state(hub, pbx) == "connected"
            event = {"event": "ExtensionStatus", "extension": "1006", "status": "Busy", "sn": "s"}
            assert sim.post_event(event) == [200]
            assert wait_for(lambda: [r.json() for r in receiver.accepted("/app")] == [event])
            hub.advance_clock(INTERVAL + 1)
            assert wait_for(lambda: len(sim.calls_named("heartbeat")) >= 1)
            assert [c.token for c in sim.calls_named("heartbeat")] == [new.token]
            assert len(sim.calls_named("login")) == 2
    finally:
        receiver.stop()


def test_a_wrong_new_password_is_rejected_at_once_without_a_login_loop(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        (old,) = sim.sessions()
        assert connect(hub, pbx, sim, Password="wrong").status == 200  # noqa: S106
        assert wait_for(lambda: state(hub, pbx) == "credentials-rejected")
        assert wait_for(lambda: [c.token for c in sim.calls_named("logout")] == [old.token])
        assert sim.sessions() == []
        moved = ["connected", "connecting", "credentials-rejected"]
        assert wait_for(lambda: connection_states(hub, pbx) == moved)
        hub.advance_clock(3600)
        assert not wait_for(lambda: len(sim.calls_named("login")) > 2, 5)
        assert [c.answer for c in sim.calls_named("login")] == ["Success", "20003"]


def test_an_identical_put_does_not_log_in_again(hub: HubCluster) -> None:
    with simulator(hub) as sim:
        pbx = connected_pbx(hub, sim)
        (held,) = sim.sessions()
        assert connect(hub, pbx, sim).status == 200
        hub.advance_clock(INTERVAL + 1)  # a login on the PUT would have made this beat needless
        assert wait_for(lambda: len(sim.calls_named("heartbeat")) >= 1)
        assert sim.calls_named("heartbeat")[0].token == held.token
        assert len(sim.calls_named("login")) == 1
        assert sim.calls_named("logout") == []


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
        moved = ["connected", "disconnecting"]
        assert wait_for(lambda: connection_states(hub, pbx) == moved, 20)


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
            # The survivor learns of the death by the session timeout, rebalances, takes
            # the table over and folds the records not committed (the login's result may be
            # among them) before it acts: a heartbeat with the same token, not a login.
            assert wait_for(lambda: len(sim.calls_named("heartbeat")) >= 1, 60)
            assert sim.calls_named("heartbeat")[-1].answer == "Success"
            assert len(sim.calls_named("login")) == 1
    finally:
        hub.stop()
