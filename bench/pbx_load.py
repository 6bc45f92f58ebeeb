"""Helpers of bench.pbx: bounded concurrent calls, what the receivers got of them, logins,
events, and CPU snapshots.

Every time here is `time.monotonic()`, the clock `localkafka.receiver` stamps receipts
with, so a receipt's time minus its event's send time is the end-to-end latency.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from bench.lag import LagSampler
from bench.procstat import cpu_seconds
from bench.stats import percentile
from localkafka.hub import HubCluster
from localkafka.receiver import Receiver
from schemas.pbx_secrets import md5_hex

PASSWORD = "bench-Pa55word"  # noqa: S105 - the bench users' password
MD5 = md5_hex(PASSWORD)
JSON = {"Content-Type": "application/json"}
EVENT_HEADERS = {"Content-Type": "application/json", "User-Agent": "WebAPI"}
LOOPBACK = "127.0.0.1"
Cpu = dict[str, float]


@dataclass
class Calls:
    """`n` calls: when each was sent and answered, whether it succeeded, the wall time."""

    sent: list[float]
    done: list[float]
    ok: list[bool]
    elapsed: float = 0.0

    @property
    def errors(self) -> int:
        """Calls that failed."""
        return self.ok.count(False)

    def latencies(self) -> list[float]:
        """Seconds from send to answer of the calls that succeeded."""
        return [d - s for d, s, ok in zip(self.done, self.sent, self.ok, strict=True) if ok]


async def drive(n: int, concurrency: int, one: Callable[[int], Awaitable[bool]]) -> Calls:
    """Call `one(0)` .. `one(n - 1)`, `concurrency` at a time; an exception is a failure."""
    calls = Calls([0.0] * n, [0.0] * n, [False] * n)
    todo = iter(range(n))

    async def worker() -> None:
        for i in todo:  # shared: each index is taken once
            calls.sent[i] = time.monotonic()
            try:
                calls.ok[i] = await one(i)
            except (aiohttp.ClientError, TimeoutError, ValueError):
                calls.ok[i] = False
            calls.done[i] = time.monotonic()

    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, n)))))
    calls.elapsed = time.monotonic() - t0
    return calls


def client(concurrency: int) -> aiohttp.ClientSession:
    """A client session with `concurrency` connections and a 30 s bound per call."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency),
        timeout=aiohttp.ClientTimeout(total=30),
    )


Receipt = tuple[int, float]
"""An event's number (its `callid`) and when a session's receiver got it."""


def receipts(receivers: Iterable[Receiver]) -> dict[str, list[Receipt]]:
    """Every accepted receipt, by session (the receiver's path), in arrival order."""
    out: dict[str, list[Receipt]] = {}
    for receiver in receivers:
        for r in receiver.accepted():
            out.setdefault(r.path, []).append((int(orjson.loads(r.body)["callid"]), r.at))
    return out


def received(receivers: Iterable[Receiver]) -> int:
    """How many requests the receivers accepted, duplicates included."""
    return sum(len(r.accepted()) for r in receivers)


@dataclass
class Delivery:
    """What the sessions received of the events the hub accepted."""

    unique: int = 0
    duplicates: int = 0
    missing: int = 0
    out_of_order: int = 0
    sessions_out_of_order: int = 0
    latencies: list[float] = field(default_factory=list)
    last_at: float = 0.0


def analyse(by_session: dict[str, list[Receipt]], paths: list[str], calls: Calls) -> Delivery:
    """Count, latency, missing, duplicates and order violations over every session.

    Posts overlap, so the hub's order of concurrent events is its own; what it must keep
    is causal order. A receipt is out of order when an event received before it in
    that session was sent only after this one had been answered 200.
    """
    expected = {i for i, ok in enumerate(calls.ok) if ok}
    d = Delivery()
    for path in paths:
        got = by_session.get(path, [])
        seen: set[int] = set()
        latest_sent = float("-inf")
        bad = 0
        for n, at in got:
            if n in seen:
                d.duplicates += 1
                continue
            seen.add(n)
            bad += latest_sent > calls.done[n]
            latest_sent = max(latest_sent, calls.sent[n])
            d.latencies.append(at - calls.sent[n])
            d.last_at = max(d.last_at, at)
        d.unique += len(seen & expected)
        d.missing += len(expected - seen)
        d.out_of_order += bad
        d.sessions_out_of_order += bad > 0
    return d


def wait_for(
    receivers: list[Receiver], paths: list[str], calls: Calls, timeout_s: float
) -> Delivery:
    """Until every session got every accepted event (or `timeout_s` passed); the analysis."""
    total = (len(calls.ok) - calls.errors) * len(paths)
    deadline = time.monotonic() + timeout_s
    shown = time.monotonic()
    while True:
        late, count = time.monotonic() > deadline, received(receivers)
        if count >= total or late:
            d = analyse(receipts(receivers), paths, calls)
            if d.missing == 0 or late:
                return d
        if time.monotonic() - shown >= 10:
            shown = time.monotonic()
            print(f"  ... {count} of {total} delivered", flush=True)
        time.sleep(0.1)


def cpu_now(pids: dict[str, int]) -> Cpu:
    """CPU seconds used so far by each process."""
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def cpu_per(before: Cpu, after: Cpu, count: int) -> Cpu:
    """CPU microseconds per item, by process, between two snapshots."""
    return {n: (after[n] - before[n]) / max(count, 1) * 1e6 for n in before}


def drain(hub: HubCluster, timeout_s: float = 60) -> str:
    """Wait until the workers' group has no lag; how long that took, as a table value."""
    sampler = LagSampler(hub.bootstrap, [hub.prefix + "workers"])
    t0 = time.monotonic()
    while any(sampler.lag().values()):
        if time.monotonic() - t0 > timeout_s:
            return f"not in {timeout_s:.0f} s (left: {sampler.lag()})"
        time.sleep(0.25)
    return f"{time.monotonic() - t0:.1f} s"


def ms(values_s: list[float], q: float) -> float:
    """The q-th percentile in milliseconds."""
    return percentile(sorted(values_s), q) * 1000


def login_body(user: str, port: int, url: str | None) -> bytes:
    """A login as an application server sends it, its callback on loopback, v2.0.0."""
    doc: dict[str, Any] = {"username": user, "password": MD5, "ipaddr": LOOPBACK, "port": port,
                           "version": "2.0.0"}  # fmt: skip
    if url is not None:
        doc |= {"url": url, "urltag": 0}
    return orjson.dumps(doc)


async def logins(
    base: str, bodies: Callable[[int], bytes], n: int, concurrency: int
) -> tuple[Calls, dict[int, str]]:
    """`n` logins, `concurrency` at a time; the calls and the tokens by login number."""
    tokens: dict[int, str] = {}
    async with client(concurrency) as http:

        async def one(i: int) -> bool:
            async with http.post(f"{base}/api/v2.0.0/login", data=bodies(i), headers=JSON) as r:
                doc = orjson.loads(await r.read())
            if r.status == 200 and doc.get("status") == "Success":
                tokens[i] = str(doc["token"])
                return True
            return False

        calls = await drive(n, concurrency, one)
    return calls, tokens


def event_body(n: int) -> bytes:
    """A v2.0.0 call record whose `callid` is `n`."""
    return orjson.dumps(
        {"event": "NewCdr", "callid": str(n), "timestart": "2026-01-02 03:04:05",
         "callfrom": "1001", "callto": "1002", "callduration": "3", "talkduration": "2",
         "status": "ANSWERED", "type": "Internal", "sn": "3631A2"}
    )  # fmt: skip
