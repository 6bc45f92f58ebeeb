"""The fault suite's upstream part: the hub as application server of a simulated PBX.

The PBX of `bench.faults_pbx` is connected upstream to a PBX simulator (heartbeat every
`INTERVAL_S`). A thread makes the simulator post NewCdr events (callid n) to its
sessions, that is to the hub's event URL, at a steady pace, recording which of them the
hub answered 200. The suite's faults run under it, and one of its own: the PBX restarts
and forgets the hub's token.

At the end, from the outside: the connection is `connected`; the hub logged in once,
plus once for each restart of the PBX (a worker killed or a rebalance must not log in
again while the token lives); no two heartbeats were further apart than the interval
plus what the faults cost (the longest gap is printed); and every NewCdr the hub
answered 200 reached every session's receiver, in order with restarts.
"""

import itertools
import time
from dataclasses import dataclass, field

from bench.faults_pbx import PbxLoad, order_break, until_ok
from bench.ticker import Paced, Ticker
from localkafka.pbx_simulator import PbxSimulator

USER, PASSWORD = "hub-upstream", "upstream-Pa55"
INTERVAL_S = 10
RELOGIN_TIMEOUT_S = 60.0
EVENT = "NewCdr"


@dataclass
class UpstreamVerdict:
    """What the upstream check found."""

    state: str = ""
    logins: int = 0
    restarts: int = 0
    heartbeats: int = 0
    longest_gap_s: float = 0.0
    posted: int = 0
    answered_200: int = 0
    relogin_s: list[float] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    out_of_order: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """Whether the connection ended unconnected, logged in needlessly, or lost an event."""
        extra_logins = self.logins != 1 + self.restarts
        return bool(self.state != "connected" or extra_logins or self.missing or self.out_of_order)


@dataclass
class UpstreamLoad(Paced):
    """The simulator, the connection to it, and the events it posts in the background."""

    pbx: PbxLoad
    rate: float = 2.0
    sim: PbxSimulator = field(default_factory=lambda: PbxSimulator(USER, PASSWORD))
    answers: list[tuple[int, bool]] = field(default_factory=list)
    relogin_s: list[float] = field(default_factory=list)
    _ticker: Ticker | None = None

    @property
    def path(self) -> str:
        """The admin path of the connection."""
        return f"/customers/{self.pbx.client_id}/pbxes/hq/upstream"

    def setup(self) -> None:
        """Start the simulator; connect the PBX to it and wait until connected."""
        self.sim.start()
        body = {
            "BaseUrl": self.sim.base_url,
            "Username": USER,
            "Password": PASSWORD,
            "Version": "2.0.0",
            "HeartbeatIntervalSeconds": INTERVAL_S,
            "VerifyTls": True,
        }
        hub = self.pbx.hub
        assert until_ok(lambda: hub.admin("PUT", self.path, body)).ok
        deadline = time.monotonic() + RELOGIN_TIMEOUT_S
        while self.state() != "connected":
            assert time.monotonic() < deadline, f"upstream never connected: {self.state()}"
            time.sleep(0.5)

    def state(self) -> str:
        """The connection's state as the admin API shows it."""
        reply = self.pbx.hub.admin("GET", self.path)
        return str(reply.json().get("State")) if reply.status == 200 else f"HTTP {reply.status}"

    def close(self) -> None:
        """Stop the simulator."""
        self.sim.stop()

    def _post(self, n: int) -> None:
        event = {"event": EVENT, "callid": str(n), "callfrom": "1001", "callto": "1002",
                 "status": "ANSWERED", "type": "Internal"}  # fmt: skip
        self.answers.append((n, 200 in self.sim.post_event(event, "2.0.0")))

    def pbx_restarts(self) -> float:
        """The PBX forgets every token; seconds until the hub logged in again."""
        before = len(self.sim.calls_named("login"))
        t0 = time.monotonic()
        self.sim.restart()
        while len(self.sim.calls_named("login")) <= before or not self.sim.sessions():
            if time.monotonic() - t0 > RELOGIN_TIMEOUT_S:
                raise TimeoutError(f"the hub did not log in again in {RELOGIN_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        took = time.monotonic() - t0
        self.relogin_s.append(took)
        return took

    def verify(self, timeout_s: float) -> UpstreamVerdict:
        """Wait (bounded) until every 200 reached every receiver; then the checks."""
        ok = {n for n, took in self.answers if took}
        deadline = time.monotonic() + timeout_s
        receivers = range(len(self.pbx.receivers))
        while time.monotonic() < deadline:
            if all(ok <= set(self.pbx.numbers(i, EVENT)) for i in receivers):
                break
            time.sleep(0.5)
        v = UpstreamVerdict(state=self.state(), posted=len(self.answers), answered_200=len(ok))
        v.logins = len(self.sim.calls_named("login"))
        v.restarts, v.relogin_s = len(self.relogin_s), list(self.relogin_s)
        beats = [c.at for c in self.sim.calls_named("heartbeat")]
        v.heartbeats = len(beats)
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(beats)]
        v.longest_gap_s = max(gaps, default=0.0)
        for i in receivers:
            got = self.pbx.numbers(i, EVENT)
            lost = sorted(ok - set(got))
            if lost:
                v.missing.append(f"session s{i}: {len(lost)} NewCdr missing, first {lost[:5]}")
            broken = order_break(got, ok) if ok else None
            if broken:
                v.out_of_order.append(f"session s{i}: NewCdr out of order: {broken}")
        return v
