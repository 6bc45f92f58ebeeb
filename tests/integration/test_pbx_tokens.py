"""Token life and lockouts on the hub's clock, moved by the tests (a hub of this module's own)."""

import pytest

from localkafka.hub import HubCluster
from tests.integration.pbx_helpers import MD5, api, api_from, errno, login, make_pbx, wait_for

pytestmark = pytest.mark.integration
BEAT = {"ipaddr": "192.168.6.24", "port": 8260}
HALF_HOUR = 30 * 60


def test_a_token_lives_thirty_minutes_from_its_last_heartbeat(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    hub.advance_clock(HALF_HOUR - 2)
    assert errno(api(hub, "heartbeat", BEAT, token=token)) is None  # 29:58 after the login
    hub.advance_clock(HALF_HOUR - 2)
    assert errno(api(hub, "heartbeat", BEAT, token=token)) is None  # 29:58 after that one
    hub.advance_clock(HALF_HOUR)
    # Judged by the clock at the call, whatever the sweep has noticed yet.
    assert errno(api(hub, "heartbeat", BEAT, token=token)) == "20006"
    assert errno(api(hub, "logout", token=token)) == "20006"
    assert wait_for(lambda: hub.admin("GET", pbx.path).json()["Sessions"][0]["State"] == "expired")


def test_an_expired_token_is_forgotten_after_a_day(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    hub.advance_clock(HALF_HOUR)
    assert errno(api(hub, "heartbeat", BEAT, token=token)) == "20006"
    hub.advance_clock(24 * 3600 + 5)
    assert wait_for(lambda: hub.admin("GET", pbx.path).json()["Sessions"] == [], 30)
    assert errno(api(hub, "heartbeat", BEAT, token=token)) == "20004"


def test_a_lock_ends_after_ten_minutes(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    good = {"username": pbx.username, "password": MD5}
    src = "10.200.1.1"
    for _ in range(5):
        assert errno(api_from(hub, src, "login", {**good, "password": "2" * 32})) == "20003"
    assert errno(api_from(hub, src, "login", good)) == "20002"
    hub.advance_clock(9 * 60)
    assert errno(api_from(hub, src, "login", good)) == "20002"
    hub.advance_clock(61)
    assert errno(api_from(hub, src, "login", good)) is None
