"""Helpers of the upstream connection tests: a PBX simulator connected to a hub's PBX."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from localkafka.http import Reply
from localkafka.hub import HubCluster
from localkafka.pbx_simulator import PbxSimulator
from tests.integration.events import connection_change, read_events
from tests.integration.pbx_helpers import Pbx, make_pbx, wait_for

SIM_USER = "api"
SIM_PASSWORD = "pbx-Pa55"  # noqa: S105 - the simulator's test password


@contextmanager
def simulator(hub: HubCluster) -> Iterator[PbxSimulator]:
    """A PBX simulator on the hub's clock."""
    sim = PbxSimulator(SIM_USER, SIM_PASSWORD, clock_file=str(hub.clock_file)).start()
    try:
        yield sim
    finally:
        sim.stop()


def connect(hub: HubCluster, pbx: Pbx, sim: PbxSimulator, **change: Any) -> Reply:
    """Connect the hub's PBX to the simulator."""
    body = {
        "BaseUrl": sim.base_url,
        "Username": SIM_USER,
        "Password": SIM_PASSWORD,
        "Version": "2.0.0",
        "HeartbeatIntervalSeconds": 600,
        "VerifyTls": True,
        **change,
    }
    return hub.admin("PUT", f"{pbx.path}/upstream", body)


def state(hub: HubCluster, pbx: Pbx) -> str | None:
    """The connection's state, None when there is none."""
    reply = hub.admin("GET", f"{pbx.path}/upstream")
    return str(reply.json()["State"]) if reply.status == 200 else None


def connected_pbx(hub: HubCluster, sim: PbxSimulator) -> Pbx:
    """A fresh PBX on the hub, connected to the simulator."""
    pbx = make_pbx(hub)
    assert connect(hub, pbx, sim).status == 200
    assert wait_for(lambda: state(hub, pbx) == "connected", 30), state(hub, pbx)
    return pbx


def connection_states(hub: HubCluster, pbx: Pbx) -> list[str]:
    """The states the connection moved to, in order, as its health events say."""
    topic = f"{hub.prefix}health-events"
    moves = read_events(hub.bootstrap, topic, pbx.client_id, connection_change, 0, 1)
    return [e.to_state for e in moves if e.pbx_id == pbx.pbx_id]
