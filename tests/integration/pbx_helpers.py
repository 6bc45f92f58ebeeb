"""Helpers of the PBX API tests: a configured PBX with a user, and the API's calls."""

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from localkafka.http import Reply, call
from localkafka.hub import HubCluster
from tests.integration.relay_helpers import configure, until_ok

PASSWORD = "s3cret-Pa55"  # noqa: S105 - a test password
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()  # noqa: S324 - the wire's format


@dataclass
class Pbx:
    """A PBX of a fresh customer, with one API user."""

    client_id: str
    pbx_id: str
    username: str
    event_url: str

    @property
    def path(self) -> str:
        """Its admin path."""
        return f"/customers/{self.client_id}/pbxes/{self.pbx_id}"


def make_pbx(hub: HubCluster) -> Pbx:
    """A customer, its PBX `hq` and the API user `api-<random>`."""
    cid = configure(hub)
    path = f"/customers/{cid}/pbxes/hq"
    assert until_ok(lambda: hub.admin("PUT", path, {"Name": "HQ", "SerialNumber": "3631A2"}), 60).ok
    username = f"api-{uuid.uuid4().hex[:8]}"
    user_path = f"{path}/api-users/{username}"
    reply = until_ok(lambda: hub.admin("PUT", user_path, {"Password": PASSWORD}), 60)
    assert reply.ok, reply.body
    return Pbx(cid, "hq", username, reply.json()["EventUrl"])


def api(hub: HubCluster, name: str, body: Any = None, token: str | None = None) -> Reply:
    """One PBX API call as an application server sends it."""
    url = f"{hub.url}/api/v2.0.0/{name}" + (f"?token={token}" if token is not None else "")
    data = body if isinstance(body, bytes) else (None if body is None else orjson.dumps(body))
    return call("POST", url, data, {"Content-Type": "application/json"})


def login(hub: HubCluster, pbx: Pbx, **fields: Any) -> Reply:
    """Log in as the PBX's user."""
    return api(hub, "login", {"username": pbx.username, "password": MD5, **fields})


def post_event(hub: HubCluster, pbx: Pbx, event: dict[str, Any]) -> Reply:
    """The PBX posts an event report to its event URL."""
    headers = {"Content-Type": "application/json", "User-Agent": "WebAPI"}
    return call("POST", hub.url + pbx.event_url, orjson.dumps(event), headers)


def api_from(
    hub: HubCluster, source: str, name: str, body: Any = None, token: str | None = None
) -> Reply:
    """A PBX API call from `source` (named by X-Forwarded-For; the hub trusts loopback)."""
    url = f"{hub.url}/api/v2.0.0/{name}" + (f"?token={token}" if token is not None else "")
    data = body if isinstance(body, bytes) else (None if body is None else orjson.dumps(body))
    return call("POST", url, data, {"Content-Type": "application/json", "X-Forwarded-For": source})


def errno(reply: Reply) -> str | None:
    """The errno of a Failed answer (None for Success); every answer is HTTP 200 JSON."""
    assert reply.status == 200, (reply.status, reply.body)
    doc = reply.json()
    return None if doc["status"] == "Success" else str(doc["errno"])


def wait_for(check: Callable[[], bool], timeout: float = 20.0, pause: float = 0.1) -> bool:
    """Poll `check` until it is true or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(pause)
    return check()


def session_login(
    hub: HubCluster, pbx: Pbx, port: int, path: str = "", version: str = "2.0.0"
) -> str:
    """Log in with events to 127.0.0.1:`port`/`path`; returns the token."""
    reply = login(hub, pbx, ipaddr="127.0.0.1", port=port, url=path, version=version)
    assert errno(reply) is None, reply.body
    return str(reply.json()["token"])
