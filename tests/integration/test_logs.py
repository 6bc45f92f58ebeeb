"""A whole hub logging JSON through PBX API and relay traffic: one object per line, no secret."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from localkafka.broker import LocalBroker
from localkafka.http import call
from localkafka.hub import HubCluster
from schemas.pbx_secrets import md5_hex
from tests.integration.pbx_helpers import MD5, PASSWORD, api, login, make_pbx, post_event, wait_for
from tests.integration.relay_helpers import JSON, REPORT, configure
from tests.integration.upstream_helpers import SIM_PASSWORD, connect, simulator, state

pytestmark = pytest.mark.integration


@pytest.fixture
def json_hub(kafka_broker: LocalBroker, tmp_path: Path) -> Iterator[HubCluster]:
    hub = HubCluster(kafka_broker.bootstrap, tmp_path)
    hub.extra_env = {"HUB_LOG_FORMAT": "json", "HUB_LOG_LEVEL": "info"}
    hub.create_topics()
    hub.add_worker()
    hub.start_ingress()
    hub.wait_ready()
    try:
        yield hub
    finally:
        hub.stop()


def _traffic(hub: HubCluster) -> list[str]:
    """Calls that handle every kind of secret; returns the secrets used."""
    cid = configure(hub)
    assert hub.heartbeat(cid, REPORT, JSON).status == 200
    assert (
        call("GET", f"{hub.url}/admin/customers/{cid}", None, {"Authorization": "Bearer x"}).status
        == 401
    )
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    assert api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token=token).ok
    api(hub, "login", {"username": pbx.username, "password": "9" * 32})
    assert post_event(hub, pbx, {"event": "BootUp", "sn": "1"}).status == 200
    with simulator(hub) as sim:
        assert connect(hub, pbx, sim).status == 200
        assert wait_for(lambda: state(hub, pbx) == "connected", 30)
        sim.restart()  # the PBX forgets the hub's token: a new login
        hub.advance_clock(601)
        assert wait_for(lambda: len(sim.calls_named("login")) == 2, 30)
        upstream_tokens = [c.body.get("token", "") for c in sim.calls]
        pbx_token = sim.sessions()[0].token
    assert api(hub, "logout", token=token).ok
    secret = pbx.event_url.rsplit("/", 1)[1]
    return [hub.token, hub.secret_key, PASSWORD, MD5, token, secret, SIM_PASSWORD,
            md5_hex(SIM_PASSWORD), pbx_token, *[t for t in upstream_tokens if t]]  # fmt: skip


def test_every_line_is_json_and_no_secret_is_logged(json_hub: HubCluster) -> None:
    secrets = _traffic(json_hub)
    json_hub.stop()
    logs = {p.name: p.read_text() for p in json_hub.workdir.glob("*.log")}
    assert set(logs) >= {"worker0.log", "ingress.log"}
    for name, text in logs.items():
        for secret in secrets:
            assert secret not in text, f"a secret is in {name}"
        records = [orjson.loads(line) for line in text.splitlines() if line]
        assert records, name
        assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
