"""The PBX API's calls and errno answers, and its admin API, against a real hub."""

import re
import uuid

import orjson
import pytest

from localkafka.http import call
from localkafka.hub import HubCluster
from tests.integration.pbx_helpers import (
    MD5,
    PASSWORD,
    api,
    api_from,
    errno,
    login,
    make_pbx,
    post_event,
)
from tests.integration.relay_helpers import configure, until_ok

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def _source() -> str:
    """A caller address of the test's own, so lockouts of other tests do not interfere."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250 + 1}"


def test_login_answers_a_token_as_the_page_shows(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    reply = login(hub, pbx, port="8260", version="2.0.0")
    doc = reply.json()
    assert reply.status == 200
    assert reply.content_type.startswith("application/json")
    assert list(doc) == ["status", "token", "transport"]
    assert doc["status"] == "Success"
    assert doc["transport"] == "HTTP"
    assert HEX32.match(doc["token"])
    assert reply.headers["access-control-allow-origin"] == "*"


def test_login_as_yeastars_sample_sends_it(hub: HubCluster) -> None:
    # A raw string body, no Content-Type, the port as a string.
    pbx = make_pbx(hub)
    raw = b'{"username":"%s","password":"%s","port":"8260","version":"2.0.0"}' % (
        pbx.username.encode(),
        MD5.encode(),
    )
    reply = call("POST", f"{hub.url}/api/v2.0.0/login", raw, {})
    assert errno(reply) is None, reply.body


def test_login_errnos(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    src = _source()
    good = {"username": pbx.username, "password": MD5}
    assert errno(api_from(hub, src, "login", {**good, "password": "0" * 32})) == "20003"
    assert errno(api_from(hub, src, "login", {**good, "username": "nobody-here"})) == "20003"
    assert errno(api_from(hub, src, "login", {**good, "password": PASSWORD})) == "20003"
    assert errno(api_from(hub, _source(), "login", b"")) == "20009"
    assert errno(api_from(hub, _source(), "login", b"{nope")) == "20000"
    assert errno(api_from(hub, _source(), "login", b"{}")) == "20007"
    assert errno(api_from(hub, _source(), "login", b"<xml/>")) == "10002"
    assert errno(api_from(hub, _source(), "login", {"username": pbx.username})) == "10004"
    assert errno(api_from(hub, _source(), "login", {**good, "port": "http"})) == "20008"
    assert errno(api_from(hub, _source(), "login", {**good, "urltag": "7"})) == "10003"
    denied = {**good, "ipaddr": "169.254.169.254"}
    assert errno(api_from(hub, _source(), "login", denied)) == "20008"
    assert errno(call("GET", f"{hub.url}/api/v2.0.0/login")) == "20001"
    assert errno(api(hub, "dial", {"caller": "1000"})) == "10003"


def test_token_errnos(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"})) == "20005"
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token="")) == "20005"
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token="f" * 32)) == "20004"
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token="not-hex")) == "20004"  # noqa: S106
    assert errno(api(hub, "heartbeat", {"port": 8260}, token=token)) == "10004"
    assert errno(api(hub, "heartbeat", b"", token=token)) == "20009"
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24", "port": 0}, token=token)) == (
        "20008"
    )
    beat = {"ipaddr": "192.168.6.24", "port": 8260, "version": "2.0.0"}
    assert errno(api(hub, "heartbeat", beat, token=token)) is None
    assert errno(api(hub, "logout", token=token)) is None
    # Right after the logout, the token is gone.
    assert errno(api(hub, "heartbeat", beat, token=token)) == "20004"
    assert errno(api(hub, "logout", token=token)) == "20004"


def test_heartbeat_changes_the_callback_and_version(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx, ipaddr="192.168.6.24").json()["token"]
    beat = {"ipaddr": "192.168.6.25", "port": "9000", "url": "report", "version": "2.0.0"}
    assert errno(api(hub, "heartbeat", beat, token=token)) is None
    (session,) = hub.admin("GET", pbx.path).json()["Sessions"]
    assert session["CallbackUrl"] == "http://192.168.6.25:9000/report"
    assert session["Version"] == "2.0.0"
    absolute = {"ipaddr": "192.168.6.25", "url": "apps.example.net:8443/pbx", "urltag": 1}
    assert errno(api(hub, "heartbeat", absolute, token=token)) is None
    (session,) = hub.admin("GET", pbx.path).json()["Sessions"]
    assert session["CallbackUrl"] == "http://apps.example.net:8443/pbx"


def test_login_without_ipaddr_calls_back_the_caller(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    assert (
        errno(api_from(hub, "192.168.7.8", "login", {"username": pbx.username, "password": MD5}))
        is None
    )
    (session,) = hub.admin("GET", pbx.path).json()["Sessions"]
    assert session["CallbackUrl"] == "http://192.168.7.8:8260/"
    assert session["Version"] == "1.0.0"


def test_five_failures_lock_the_address_and_a_success_resets_the_count(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    good = {"username": pbx.username, "password": MD5}
    bad = {**good, "password": "1" * 32}
    src = _source()
    for _ in range(4):
        assert errno(api_from(hub, src, "login", bad)) == "20003"
    assert errno(api_from(hub, src, "login", good)) is None  # resets the count
    for _ in range(5):
        assert errno(api_from(hub, src, "login", bad)) == "20003"
    assert errno(api_from(hub, src, "login", good)) == "20002"  # even with the right password
    assert errno(api_from(hub, _source(), "login", good)) is None  # only that address


def test_usernames_are_unique_across_the_hub(hub: HubCluster) -> None:
    first, second = make_pbx(hub), make_pbx(hub)
    path = f"{second.path}/api-users/{first.username}"
    reply = hub.admin("PUT", path, {"Password": "other"})
    assert reply.status == 409, reply.body
    assert first.username not in hub.admin("GET", second.path).json()["ApiUsers"]
    # The first PBX's user still logs in with its own password.
    assert errno(login(hub, first)) is None


def test_pbx_view_and_its_secrets(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx, ipaddr="192.168.6.24").json()["token"]
    reply = hub.admin("GET", pbx.path)
    view = reply.json()
    assert view["Name"] == "HQ"
    assert view["SerialNumber"] == "3631A2"
    assert view["ApiUsers"] == [pbx.username]
    assert re.match(rf"^/api/pbx/{pbx.client_id}/hq/events/[0-9a-f]{{40}}$", view["EventUrl"])
    (session,) = view["Sessions"]
    assert session["State"] == "alive"
    assert session["User"] == pbx.username
    assert session["PendingEvents"] == 0
    for secret in (token, MD5, PASSWORD):
        assert secret.encode() not in reply.body


def test_admin_refusals(hub: HubCluster) -> None:
    cid = configure(hub)
    assert hub.admin("PUT", "/customers/nobody-xyz/pbxes/hq", {"Name": "HQ"}).status == 404
    assert hub.admin("PUT", f"/customers/{cid}/pbxes/a%20b", {"Name": "HQ"}).status == 400
    assert hub.admin("PUT", f"/customers/{cid}/pbxes/hq", {"Nom": "HQ"}).status == 400
    assert hub.admin("GET", f"/customers/{cid}/pbxes/none").status == 404
    user = f"/customers/{cid}/pbxes/none/api-users/u1"
    assert hub.admin("PUT", user, {"Password": "x"}).status == 404
    assert call("GET", f"{hub.url}/admin/customers/{cid}/pbxes/hq").status == 401


def test_removing_a_user_ends_its_sessions(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    reply = hub.admin("DELETE", f"{pbx.path}/api-users/{pbx.username}")
    assert reply.status == 200
    assert reply.json()["ApiUsers"] == []
    assert [s["State"] for s in reply.json()["Sessions"]] == ["logged-out"]
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token=token)) == "20004"
    assert errno(login(hub, pbx)) == "20003"
    assert hub.admin("DELETE", f"{pbx.path}/api-users/{pbx.username}").status == 404


def test_deleting_a_pbx_ends_everything(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = login(hub, pbx).json()["token"]
    assert hub.admin("DELETE", pbx.path).status == 204
    assert hub.admin("GET", pbx.path).status == 404
    assert errno(api(hub, "heartbeat", {"ipaddr": "192.168.6.24"}, token=token)) == "20004"
    assert errno(login(hub, pbx)) == "20003"
    assert post_event(hub, pbx, {"event": "BootUp", "sn": "x"}).status == 404
    # The name is free again.
    other = make_pbx(hub)
    path = f"{other.path}/api-users/{pbx.username}"
    assert until_ok(lambda: hub.admin("PUT", path, {"Password": "p"}), 30).status == 200


def test_event_url_checks(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    assert post_event(hub, pbx, {"event": "BootUp", "sn": "x"}).status == 200
    wrong = pbx.event_url[:-4] + "0000"
    reply = call("POST", hub.url + wrong, orjson.dumps({"event": "BootUp"}), {})
    assert reply.status == 404
    for body in (b"[1]", b"{}", b'{"event": 5}', b"nope"):
        assert call("POST", hub.url + pbx.event_url, body, {}).status == 400
