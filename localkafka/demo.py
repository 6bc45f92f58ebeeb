"""`make run`'s demo: a simulated PBX connected to a demo customer, so events flow at once.

The simulator (`localkafka.pbx_simulator`) runs as one of the local processes and
posts an `ExtensionStatus` event every few seconds; once the hub is up, the demo
customer `demo`, its PBX `demo-pbx`, an API user for application servers and the
upstream connection to the simulator are configured through the admin API. The demo
customer also has a relay profile (inbound 1) and a webhook alert channel to a local
receiver (`localkafka.receiver`) that prints every alert it gets: heartbeat the profile
once and stop, and its `late` and `down` alerts are printed a minute later.
"""

import secrets
from dataclasses import dataclass

import orjson

from localkafka.http import Reply, call
from localkafka.process import ServiceProcess

SIMULATOR_PORT = 8088
RECEIVER_PORT = 8089
CUSTOMER = "demo"
PBX = "demo-pbx"
APP_USER = "demo-app"
EVENT_INTERVAL_S = 15


@dataclass(frozen=True)
class Demo:
    """The demo's generated passwords (printed once in the banner)."""

    pbx_password: str
    app_password: str

    @classmethod
    def new(cls) -> "Demo":
        """Fresh passwords."""
        return cls(secrets.token_urlsafe(12), secrets.token_urlsafe(12))

    def simulator(self) -> ServiceProcess:
        """The simulated PBX, as a local process."""
        args = (
            "--port", str(SIMULATOR_PORT), "--username", "hub",
            "--password", self.pbx_password, "--event-interval", str(EVENT_INTERVAL_S),
        )  # fmt: skip
        return ServiceProcess("demo-pbx", "localkafka.pbx_simulator", {}, args=args)

    def receiver(self) -> ServiceProcess:
        """The demo's webhook receiver, printing every alert posted to it."""
        return ServiceProcess("alerts", "localkafka.receiver", {}, args=(str(RECEIVER_PORT),))

    def configure(self, ingress: str, token: str) -> None:
        """The demo customer, its PBX, an API user and the upstream connection."""
        base = f"/admin/customers/{CUSTOMER}"
        _admin(ingress, token, "PUT", base, {"RelayCustomerID": 1, "Name": "Demo"})
        _admin(ingress, token, "PUT", f"{base}/pbxes/{PBX}", {"Name": "Demo PBX"})
        user = f"{base}/pbxes/{PBX}/api-users/{APP_USER}"
        _admin(ingress, token, "PUT", user, {"Password": self.app_password})
        upstream = {
            "BaseUrl": f"http://127.0.0.1:{SIMULATOR_PORT}",
            "Username": "hub",
            "Password": self.pbx_password,
            "HeartbeatIntervalSeconds": 60,
        }
        _admin(ingress, token, "PUT", f"{base}/pbxes/{PBX}/upstream", upstream)
        profile = {"ProfileName": "demo interface", "Active": True}
        _admin(ingress, token, "PUT", f"{base}/profiles/inbound/1", profile)
        hook = {"Kind": "webhook", "Url": f"http://127.0.0.1:{RECEIVER_PORT}/alerts"}
        _admin(ingress, token, "PUT", f"{base}/channels/demo-webhook", hook)

    def banner(self) -> list[str]:
        """What the banner says about the demo."""
        return [
            f"  demo PBX     simulator on http://127.0.0.1:{SIMULATOR_PORT}, connected as the",
            f"               upstream of customer '{CUSTOMER}', PBX '{PBX}'",
            f"  PBX API      log in as '{APP_USER}', password '{self.app_password}' (send its MD5)",
            f"  alert hook   customer '{CUSTOMER}' alerts its channel 'demo-webhook', printed by",
            f"               the receiver on http://127.0.0.1:{RECEIVER_PORT}/alerts",
        ]


def _admin(ingress: str, token: str, method: str, path: str, body: object) -> Reply:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    reply = call(method, f"{ingress}{path}", orjson.dumps(body), headers)
    if not reply.ok:
        raise RuntimeError(f"demo setup: {method} {path} answered {reply.status}: {reply.body!r}")
    return reply
