"""Every admin route, for two customers, under every kind of credential: nothing outside scope."""

import re
from collections.abc import Iterator

import orjson
import pytest

from ingest.app import ROUTES
from localkafka.http import Reply, call
from localkafka.hub import HubCluster
from tests.integration.pbx_helpers import make_pbx

# Customers of its own only: the session's hub (tests/integration/hub_fixtures.py).
SHARES_HUB = True

pytestmark = pytest.mark.integration
PARAMS = {
    "ptype": "inbound",
    "profileId:int": "7",
    "commandId": "no-such-command",
    "pbxId": "hq",
    "username": "u-matrix",
    "tokenId": "0123456789abcdef",
    "name": "ops",
}


CUSTOMER_DELETE = ("DELETE", "/admin/customers/{clientId}")


def _each_admin_route() -> Iterator[tuple[str, str]]:
    for route in ROUTES:
        if route.path.startswith("/admin"):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, route.path


def _admin_routes() -> list[tuple[str, str]]:
    """Every admin route and method; deleting the customer last, as nothing follows it."""
    return sorted(_each_admin_route(), key=lambda r: r == CUSTOMER_DELETE)


def _path(template: str, cid: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return cid if name == "clientId" else PARAMS[name]

    return re.sub(r"\{([^}]+)\}", fill, template)


def _send(hub: HubCluster, method: str, path: str, token: str | None) -> Reply:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    body = None if method in ("GET", "DELETE") else b"{}"
    return call(method, hub.url + path, body, headers)


def _token(hub: HubCluster, cids: list[str], access: str) -> str:
    body = {"Name": f"{access} token", "ClientIds": cids, "Access": access}
    reply = hub.admin("POST", "/tokens", body)
    assert reply.status == 201, reply.body
    return str(reply.json()["Token"])


def _expected(kind: str, method: str, template: str, mine: bool) -> set[int] | None:
    """The statuses a credential must get (None: anything but 401/403)."""
    if kind in ("none", "wrong", "revoked"):
        return {401}
    in_scope = "{clientId}" in template and mine
    if not in_scope or (kind == "read" and method != "GET"):
        return {403}
    return None


def _state(hub: HubCluster, cid: str) -> tuple[object, object]:
    customer = hub.admin("GET", f"/customers/{cid}").json()
    customer.pop("as_of")  # when the view was made
    pbx = hub.admin("GET", f"/customers/{cid}/pbxes/hq").json()
    return customer, pbx


def test_every_route_checks_the_scope(hub: HubCluster) -> None:
    a, b = make_pbx(hub), make_pbx(hub)
    revoked = _token(hub, [a.client_id], "write")
    revoked_id = revoked.split("_")[1]
    assert hub.admin("DELETE", f"/tokens/{revoked_id}").status == 204
    tokens = {
        "none": None,
        "wrong": "not-the-token",
        "revoked": revoked,
        "operator": hub.token,
        "read": _token(hub, [a.client_id], "read"),
        "write": _token(hub, [a.client_id], "write"),
    }
    before = _state(hub, b.client_id)
    failures = []
    for kind, token in tokens.items():
        if kind == "operator":
            continue  # the operator's writes to B are not the point; its reads are below
        for method, template in _admin_routes():
            for cid in (a.client_id, b.client_id):
                reply = _send(hub, method, _path(template, cid), token)
                want = _expected(kind, method, template, cid == a.client_id)
                ok = reply.status in want if want else reply.status not in (401, 403)
                if not ok:
                    failures.append((kind, method, template, cid == a.client_id, reply.status))
                if reply.status in (401, 403):
                    assert b.client_id.encode() not in reply.body
    assert failures == []
    assert _state(hub, b.client_id) == before  # nothing written outside the scope
    # The write token deleted its own customer, last; the read token could not.
    assert hub.admin("GET", f"/customers/{a.client_id}").status == 404


def test_the_operator_reaches_every_customer(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    for method, template in _admin_routes():
        if method == "GET":
            reply = _send(hub, method, _path(template, pbx.client_id), hub.token)
            assert reply.status not in (401, 403), (template, reply.status)


def test_a_scoped_token_reads_its_customer(hub: HubCluster) -> None:
    pbx = make_pbx(hub)
    token = _token(hub, [pbx.client_id], "read")
    reply = _send(hub, "GET", f"/admin/customers/{pbx.client_id}/pbxes/hq", token)
    assert reply.status == 200
    assert orjson.loads(reply.body)["PbxId"] == "hq"
    assert _send(hub, "POST", "/admin/tokens", token).status == 403
    view = hub.admin("GET", f"/tokens/{token.split('_')[1]}").json()
    assert view["ClientIds"] == [pbx.client_id]
    assert token.encode() not in orjson.dumps(view)
