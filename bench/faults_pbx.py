"""The fault suite's PBX part: events posted under the faults, delivered to sessions.

One customer with a PBX and an API user; `SESSIONS` sessions (version 2.0.0), each to a
receiver of its own. A thread posts ExtensionStatus events (callid n) to the PBX's
event URL at a steady pace, recording the answers, and keeps the sessions alive with a
heartbeat every `HEARTBEAT_S`. At the end: every event answered 200 reached every
receiver at least once, in order with restarts allowed (duplicates counted). Also the
check that every relay HealthEvent of the suite's customers is in `health_transitions`.
"""

import hashlib
import itertools
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, text

from bench import topic_read
from bench.ticker import Paced, Ticker
from localkafka.http import Reply, call
from localkafka.hub import HubCluster
from localkafka.receiver import Receiver
from schemas.events import Health, HealthEvent

PASSWORD = "faults-Pa55"  # noqa: S105 - a bench password
MD5 = hashlib.md5(PASSWORD.encode()).hexdigest()  # noqa: S324 - the wire's format
SESSIONS = 5
HEARTBEAT_S = 60.0
JSON = {"Content-Type": "application/json"}


def in_order_with_restarts(got: list[int]) -> bool:
    """Each receipt is the next event, or a restart from an older one."""
    steps = itertools.pairwise(got)
    return bool(got) and got[0] == 0 and all(b == a + 1 or b <= a for a, b in steps)


def order_break(received: list[int], ok: set[int]) -> str | None:
    """Where the receipts of the events answered 200 break their order (None: they keep it).

    The order is the hub's promise for the events it answered 200 only: one answered
    otherwise (a 503 while the broker was down) whose record reached Kafka anyway is
    delivered where it landed, perhaps after later ones; its sender was told it failed."""
    accepted = sorted(ok)
    rank = {n: r for r, n in enumerate(accepted)}
    got = [rank[n] for n in received if n in rank]
    if in_order_with_restarts(got):
        return None
    if not got or got[0] != 0:
        return f"starts with {[accepted[r] for r in got[:1]]}, not {accepted[0]}"
    for a, b in itertools.pairwise(got):
        if not (b == a + 1 or b <= a):
            return f"{accepted[b]} after {accepted[a]}, {accepted[a + 1]} later or never"
    return None


def until_ok(send: Any, timeout: float = 60.0) -> Reply:
    """Repeat `send` until it answers 200."""
    deadline = time.monotonic() + timeout
    reply: Reply = send()
    while reply.status != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
        reply = send()
    return reply


def api(hub: HubCluster, name: str, body: Any, token: str | None = None) -> Reply:
    """One PBX API call."""
    url = f"{hub.url}/api/v2.0.0/{name}" + (f"?token={token}" if token else "")
    return call("POST", url, orjson.dumps(body), JSON)


@dataclass
class PbxVerdict:
    """What the PBX and health checks found."""

    posted: int = 0
    answered_200: int = 0
    heartbeats: int = 0
    heartbeats_failed: int = 0
    received: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)
    down_refused: int = 0
    health_events: int = 0
    health_missing: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)
    """The steady load's profiles that went late or down (each heartbeats every few
    seconds, well within its interval: any is a false alarm)."""

    @property
    def failed(self) -> bool:
        """Whether an event was lost or misordered, a health transition is not in SQL, or a
        profile heartbeating all along went late or down."""
        return bool(self.missing or self.out_of_order or self.health_missing or self.false_alarms)


@dataclass
class PbxLoad(Paced):
    """The PBX, its sessions and receivers, and the events posted in the background."""

    hub: HubCluster
    rate: float = 5.0
    client_id: str = ""
    event_url: str = ""
    receivers: list[Receiver] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    answers: list[tuple[int, int]] = field(default_factory=list)
    heartbeats: list[int] = field(default_factory=list)
    _ticker: Ticker | None = None
    _last_beat: float = field(default_factory=time.monotonic)

    def setup(self) -> None:
        """Customer, PBX, API user, receivers and logged-in sessions."""
        cid = f"faults-pbx-{uuid.uuid4().hex[:6]}"
        hub = self.hub
        assert until_ok(
            lambda: hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": 9, "Name": "P"})
        ).ok
        path = f"/customers/{cid}/pbxes/hq"
        body = {"Name": "HQ", "SerialNumber": "3631A2"}
        assert until_ok(lambda: hub.admin("PUT", path, body)).ok
        user = f"api-{uuid.uuid4().hex[:8]}"
        reply = until_ok(
            lambda: hub.admin("PUT", f"{path}/api-users/{user}", {"Password": PASSWORD})
        )
        assert reply.ok, reply.body
        self.client_id, self.event_url = cid, str(reply.json()["EventUrl"])
        for i in range(SESSIONS):
            r = Receiver().start()
            self.receivers.append(r)
            login = {"username": user, "password": MD5, "ipaddr": "127.0.0.1",
                     "port": r.port, "url": f"s{i}", "version": "2.0.0", "urltag": 0}  # fmt: skip
            reply = until_ok(lambda login=login: api(hub, "login", login))
            doc = reply.json()
            assert doc.get("status") == "Success", reply.body
            self.tokens.append(str(doc["token"]))

    def close(self) -> None:
        """Stop the receivers."""
        for r in self.receivers:
            r.stop()

    def _post(self, n: int) -> None:
        headers = {**JSON, "User-Agent": "WebAPI"}
        event = {"event": "ExtensionStatus", "extension": "1006", "status": "Busy",
                 "callid": str(n)}  # fmt: skip
        try:
            status = call(
                "POST", self.hub.url + self.event_url, orjson.dumps(event), headers
            ).status
        except Exception:
            status = -1
        self.answers.append((n, status))
        if time.monotonic() - self._last_beat >= HEARTBEAT_S:
            self._last_beat = time.monotonic()
            self._heartbeat()

    def _heartbeat(self) -> None:
        for token, r in zip(self.tokens, self.receivers, strict=True):
            try:
                reply = api(self.hub, "heartbeat", {"ipaddr": "127.0.0.1", "port": r.port}, token)
                ok = reply.status == 200 and reply.json().get("status") == "Success"
            except Exception:
                ok = False
            self.heartbeats.append(1 if ok else 0)

    def numbers(self, index: int, event: str = "ExtensionStatus") -> list[int]:
        """The callids of the `event`s receiver `index` accepted, in order."""
        got = (x.json() for x in self.receivers[index].accepted(f"/s{index}"))
        return [int(doc["callid"]) for doc in got if doc.get("event") == event]

    def verify(self, timeout_s: float) -> PbxVerdict:
        """Wait (bounded) until every 200 reached every receiver; then the checks."""
        ok = {n for n, status in self.answers if status == 200}
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(ok <= set(self.numbers(i)) for i in range(len(self.receivers))):
                break
            time.sleep(0.5)
        v = PbxVerdict(len(self.answers), len(ok), len(self.heartbeats))
        v.heartbeats_failed = self.heartbeats.count(0)
        for i in range(len(self.receivers)):
            got = self.numbers(i)
            v.received.append(len(got))
            v.duplicates.append(sum(c - 1 for c in Counter(got).values()))
            lost = sorted(ok - set(got))
            if lost:
                v.missing.append(f"session s{i}: {len(lost)} events missing, first {lost[:5]}")
            broken = order_break(got, ok) if ok else None
            if broken:
                v.out_of_order.append(f"session s{i}: {broken}")
        return v


def _path(events: list[HealthEvent], of: HealthEvent) -> str:
    """The profile's transitions, in the order published, with their times."""
    mine = [e for e in events if (e.client_id, e.profile_type, e.profile_id)
            == (of.client_id, of.profile_type, of.profile_id)]  # fmt: skip
    return ", ".join(f"{e.to_health.value} {e.at:%H:%M:%S.%f}"[:-3] for e in mine)


def receiver_down(load: PbxLoad, seconds: float) -> int:
    """Receiver 0 answers 503 for `seconds`, then 200 again; the requests it refused."""
    r = load.receivers[0]
    before = len(r.received)
    r.status = 503
    try:
        time.sleep(seconds)
    finally:
        r.status = 200
    return sum(1 for x in r.received[before:] if x.status == 503)


def health_events(bootstrap: str, topic: str, prefixes: tuple[str, ...]) -> list[HealthEvent]:
    """The relay HealthEvents of `topic` for customers named with `prefixes`."""
    found: list[HealthEvent] = []
    for raw in topic_read.values(bootstrap, topic):
        doc = orjson.loads(raw)
        if not isinstance(doc, dict) or doc.get("kind") != "health":
            continue
        if str(doc.get("client_id", "")).startswith(prefixes):
            found.append(HealthEvent.model_validate(doc))
    return found


def check_health(
    engine: Engine, bootstrap: str, topic: str, prefixes: tuple[str, ...], v: PbxVerdict,
    timeout_s: float = 60.0, steady: str = "bench-", until: datetime | None = None,
) -> None:  # fmt: skip
    """Every relay HealthEvent on `topic` (of these customers) is a row of health_transitions
    (waited for, bounded); none of the steady load's customers (`steady`) went late or down
    before `until` (the load's end: after it, they are late and down as they should be)."""
    events = health_events(bootstrap, topic, prefixes)
    ids = {e.id for e in events}
    v.health_events = len(ids)
    v.false_alarms = [
        f"{e.client_id} {e.profile_type.name}/{e.profile_id} {e.to_health.value} at {e.at}"
        f" ({e.reason}); its path: {_path(events, e)}"
        for e in events
        if e.client_id.startswith(steady)
        and e.to_health in (Health.late, Health.down)
        and (until is None or e.at < until)
    ]
    deadline = time.monotonic() + timeout_s
    while True:
        with engine.connect() as conn:
            rows = {str(r[0]) for r in conn.execute(text("SELECT id FROM health_transitions"))}
        missing = sorted(ids - rows)
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    v.health_missing = missing
