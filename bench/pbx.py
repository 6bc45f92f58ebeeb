"""The PBX API under load through a whole hub: `python -m bench.pbx [--quick]`.

Starts a private broker, a worker and the ingress on loopback, configures PBXes and API
users through the admin API, then measures, in turn:

1. logins: N logins from concurrent clients over a few PBX users (each one a scrypt
   password check): throughput, p50/p99, errors.
2. heartbeats: wrk for a fixed time at full concurrency over the live sessions, each
   request with the next session's token: throughput, p50/p99, errors (any answer
   that is not HTTP 200 `{"status":"Success"}`).
3. events: S sessions of one PBX, each on its own path of a few local receivers
   (version 2.0.0), and E events posted to the PBX's event URL: events/s answered 200
   with p50/p99; then, once every session got every event (E x S deliveries),
   deliveries/s, end-to-end latency from post to receipt, missing, duplicates and
   order violations per session.

CPU per request of each process (ingress, worker, broker, this process with its
receivers) is measured from the start of each phase's load to its end (for events: to
the last receipt), as the other benchmarks do; the idle row is the background to
subtract. A table of the figures ends the output.
Bounded in time and count; everything it started is stopped, on errors too.
"""

import argparse
import asyncio
import functools
import os
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.bench_stack import running_hub, stop_on_signals
from bench.lag import LagSampler
from bench.pbx_load import Calls, Delivery, client, drive, wait_for
from bench.pbx_wrk import HeartbeatRun, heartbeat_script, run_heartbeats
from bench.procstat import cpu_seconds
from bench.stats import percentile
from bench.wrk import ensure_wrk
from localkafka.broker import LocalBroker
from localkafka.http import Reply
from localkafka.hub import HubCluster, start_hub
from localkafka.receiver import Receiver
from schemas.pbx_secrets import md5_hex

print = functools.partial(print, flush=True)  # figures appear as they come
PASSWORD = "bench-Pa55word"  # noqa: S105 - the bench users' password
MD5 = md5_hex(PASSWORD)
JSON = {"Content-Type": "application/json"}
EVENT_HEADERS = {"Content-Type": "application/json", "User-Agent": "WebAPI"}
LOOPBACK = "127.0.0.1"
Row = tuple[str, str, str]
Cpu = dict[str, float]
QUICK = {
    "logins": 20, "login_concurrency": 8, "login_pbxes": 2, "hb_sessions": 20,
    "hb_seconds": 3, "hb_connections": 16, "event_sessions": 10, "events": 50,
    "event_concurrency": 8, "receivers": 2, "delivery_timeout": 30.0,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Pbx:
    """A configured PBX: its customer, its API users and the URL its events go to."""

    client_id: str
    pbx_id: str
    users: list[str]
    event_url: str


@dataclass
class Report:
    """The figures so far: the summary table's rows and CPU per request by phase."""

    rows: list[Row]
    cpu: dict[str, Cpu]


def until_ok(send: Callable[[], Reply], timeout_s: float = 60) -> Reply:
    """Repeat an admin call while it answers 503 (partitions still settling)."""
    deadline = time.monotonic() + timeout_s
    while True:
        reply = send()
        if reply.status != 503 or time.monotonic() > deadline:
            assert reply.ok, f"admin call answered {reply.status}: {reply.body!r}"
            return reply
        time.sleep(0.5)


def make_pbx(hub: HubCluster, index: int, users: int) -> Pbx:
    """Customer `bench-<index>`, its PBX `pbx` and `users` API users."""
    cid, path = f"bench-{index}", f"/customers/bench-{index}/pbxes/pbx"
    until_ok(lambda: hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": index + 1,
                                                            "Name": cid}))  # fmt: skip
    until_ok(lambda: hub.admin("PUT", path, {"Name": f"PBX {index}", "SerialNumber": "3631A2"}))
    names = [f"bench{index}-u{u}" for u in range(users)]
    views = [add_user(hub, path, name) for name in names]
    return Pbx(cid, "pbx", names, str(views[-1]["EventUrl"]))


def add_user(hub: HubCluster, pbx_path: str, name: str) -> Any:
    """An API user of the PBX; the PBX's admin view."""
    body = {"Password": PASSWORD}
    return until_ok(lambda: hub.admin("PUT", f"{pbx_path}/api-users/{name}", body)).json()


def pids_of(hub: HubCluster, broker: LocalBroker) -> dict[str, int]:
    """The pids whose CPU is measured: ingress, worker, broker, and this process."""
    assert hub.ingress is not None
    assert hub.ingress.pid is not None
    assert hub.workers[0].pid is not None
    pids = {"ingress": hub.ingress.pid, "worker": hub.workers[0].pid}
    found = broker_pid(broker)
    if found is not None:
        pids["broker"] = found
    return {**pids, "bench": os.getpid()}


def broker_pid(broker: LocalBroker) -> int | None:
    """The JVM started with this broker's config file (None if not found)."""
    marker = str(broker.data_dir / "server.properties").encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes():
                return int(cmdline.parent.name)
        except OSError:
            continue
    return None


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


def plain_logins(users: list[str], port: int) -> Callable[[int], bytes]:
    """Login i as users[i mod U], the callback the receiver's root (no events go there)."""
    return lambda i: login_body(users[i % len(users)], port, None)


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


def call_rows(phase: str, what: str, calls: Calls) -> list[Row]:
    """Count, throughput, p50/p99 and errors of a phase's calls."""
    lat, ok = calls.latencies(), len(calls.ok) - calls.errors
    return [
        (phase, f"{what} (ok / sent)", f"{ok} / {len(calls.ok)}"),
        (phase, f"{what}/s", f"{ok / max(calls.elapsed, 1e-9):,.1f}"),
        (phase, "latency p50 / p99", f"{ms(lat, 50):.1f} / {ms(lat, 99):.1f} ms"),
        (phase, "errors", str(calls.errors)),
    ]


def login_phase(
    hub: HubCluster, pids: dict[str, int], users: list[str], port: int, args: argparse.Namespace
) -> tuple[list[str], list[Row], Cpu]:
    """Phase 1; the tokens of the sessions it opened."""
    cpu0 = cpu_now(pids)
    calls, tokens = asyncio.run(
        logins(hub.url, plain_logins(users, port), args.logins, args.login_concurrency)
    )
    cpu = cpu_per(cpu0, cpu_now(pids), args.logins)
    drained = drain(hub)
    rows = [*call_rows("logins", "logins", calls), ("logins", "worker lag gone after", drained)]
    print("logins        " + "; ".join(f"{f} {v}" for _, f, v in rows))
    return list(tokens.values()), rows, cpu


def heartbeat_phase(
    hub: HubCluster, pids: dict[str, int], tokens: list[str], port: int, args: argparse.Namespace
) -> tuple[list[Row], Cpu]:
    """Phase 2: wrk over the sessions' tokens, after a short warm-up."""
    body = orjson.dumps({"ipaddr": LOOPBACK, "port": port})
    script = heartbeat_script(tokens, body, hub.workdir)
    url = f"{hub.url}/api/v2.0.0/heartbeat"
    run_heartbeats(url, script, 1 if args.quick else 2, args.hb_connections)  # warm-up
    drain(hub)
    cpu0 = cpu_now(pids)
    run = run_heartbeats(url, script, args.hb_seconds, args.hb_connections)
    cpu = cpu_per(cpu0, cpu_now(pids), run.requests)
    drained = drain(hub)
    rows = [*heartbeat_rows(run, len(tokens), args.hb_connections),
            ("heartbeats", "worker lag gone after", drained)]  # fmt: skip
    print("heartbeats    " + "; ".join(f"{f} {v}" for _, f, v in rows))
    return rows, cpu


def heartbeat_rows(run: HeartbeatRun, sessions: int, connections: int) -> list[Row]:
    """The heartbeat phase's figures."""
    return [
        ("heartbeats", "sessions / connections", f"{sessions} / {connections}"),
        ("heartbeats", "answers (in s)", f"{run.requests} ({run.seconds:.0f} s)"),
        ("heartbeats", "heartbeats/s", f"{run.rate:,.1f}"),
        ("heartbeats", "latency p50 / p99", f"{run.p50_ms:.1f} / {run.p99_ms:.1f} ms"),
        ("heartbeats", "errors", str(run.errors)),
    ]


async def post_events(base: str, event_url: str, n: int, concurrency: int) -> Calls:
    """`n` NewCdr reports, `callid` numbering them, posted `concurrency` at a time."""
    async with client(concurrency) as http:

        async def one(i: int) -> bool:
            body = event_body(i)
            async with http.post(base + event_url, data=body, headers=EVENT_HEADERS) as r:
                await r.read()
                return r.status == 200

        return await drive(n, concurrency, one)


def event_body(n: int) -> bytes:
    """A v2.0.0 call record whose `callid` is `n`."""
    return orjson.dumps(
        {"event": "NewCdr", "callid": str(n), "timestart": "2026-01-02 03:04:05",
         "callfrom": "1001", "callto": "1002", "callduration": "3", "talkduration": "2",
         "status": "ANSWERED", "type": "Internal", "sn": "3631A2"}
    )  # fmt: skip


def open_event_sessions(
    hub: HubCluster, pbx: Pbx, receivers: list[Receiver], args: argparse.Namespace
) -> list[str]:
    """Session i logs in with callback `/s<i>` on receiver i mod R; the paths that opened."""

    def body(i: int) -> bytes:
        port = receivers[i % len(receivers)].port
        return login_body(pbx.users[i % len(pbx.users)], port, f"s{i}")

    calls, tokens = asyncio.run(logins(hub.url, body, args.event_sessions, args.login_concurrency))
    assert tokens, "no event session could log in"
    print(f"event setup   {len(tokens)} of {args.event_sessions} sessions opened "
          f"in {calls.elapsed:.1f} s on {len(receivers)} receivers")  # fmt: skip
    return [f"/s{i}" for i in sorted(tokens)]


def event_phase(
    hub: HubCluster, pids: dict[str, int], pbx: Pbx, receivers: list[Receiver],
    args: argparse.Namespace,
) -> tuple[list[Row], Cpu, Cpu]:  # fmt: skip
    """Phase 3: post, then wait for every delivery; CPU per event and per delivery."""
    paths = open_event_sessions(hub, pbx, receivers, args)
    drain(hub)
    cpu0 = cpu_now(pids)
    calls = asyncio.run(post_events(hub.url, pbx.event_url, args.events, args.event_concurrency))
    rows = call_rows("events in", "events", calls)
    print("events in     " + "; ".join(f"{f} {v}" for _, f, v in rows))
    t0 = time.monotonic()
    got = wait_for(receivers, paths, calls, args.delivery_timeout)
    waited = time.monotonic() - t0
    cpu1 = cpu_now(pids)
    note = f" (gave up: --delivery-timeout {args.delivery_timeout:g})" if got.missing else ""
    out = [*delivery_rows(got, calls, len(paths)),
           ("deliveries", "waited after the last post", f"{waited:.1f} s{note}")]  # fmt: skip
    print("deliveries    " + "; ".join(f"{f} {v}" for _, f, v in out))
    per_event = cpu_per(cpu0, cpu1, len(calls.ok) - calls.errors)
    return rows + out, per_event, cpu_per(cpu0, cpu1, got.unique)


def delivery_rows(got: Delivery, calls: Calls, sessions: int) -> list[Row]:
    """The delivery figures: rate, end-to-end latency, losses and order."""
    span = max(got.last_at - min(calls.sent, default=0.0), 1e-9)
    expected = (len(calls.ok) - calls.errors) * sessions
    lat = got.latencies
    order = f"{got.out_of_order} in {got.sessions_out_of_order} sessions"
    return [
        ("deliveries", "delivered / expected", f"{got.unique} / {expected} ({sessions} sessions)"),
        ("deliveries", "deliveries/s (first post to last receipt)", f"{got.unique / span:,.1f}"),
        ("deliveries", "end-to-end p50 / p99", f"{ms(lat, 50):.1f} / {ms(lat, 99):.1f} ms"),
        ("deliveries", "end-to-end max", f"{max(lat, default=0) * 1000:.1f} ms"),
        ("deliveries", "missing (not received) / duplicates", f"{got.missing} / {got.duplicates}"),
        ("deliveries", "order violations", order),
    ]


def table(report: Report) -> str:
    """The figures and the CPU per request as aligned text tables."""
    w0 = max(len(r[0]) for r in report.rows)
    w1 = max(len(r[1]) for r in report.rows)
    lines = ["", f"{'phase':<{w0}}  {'figure':<{w1}}  value", "-" * (w0 + w1 + 30)]
    lines += [f"{p:<{w0}}  {f:<{w1}}  {v}" for p, f, v in report.rows]
    names = list(next(iter(report.cpu.values())))
    hub = [n for n in names if n != "bench"]
    wide = max(len(k) for k in report.cpu)
    head = "".join(f"{n:>10}" for n in names) + f"{'hub total':>11}"
    lines += ["", f"{'CPU µs per':<{wide}}{head}", "-" * (wide + len(head))]
    for phase, cpu in report.cpu.items():
        cells = "".join(f"{cpu[n]:>10,.0f}" for n in names)
        lines.append(f"{phase:<{wide}}{cells}{sum(cpu[n] for n in hub):>11,.0f}")
    lines.append("(hub total: ingress + worker + broker; bench: this process, receivers included)")
    return "\n".join(lines)


def measure(hub: HubCluster, broker: LocalBroker, args: argparse.Namespace) -> Report:
    """The three phases, in order."""
    receivers = [Receiver().start() for _ in range(args.receivers)]
    try:
        return phases(hub, broker, receivers, args)
    finally:
        for r in receivers:
            r.stop()


def phases(
    hub: HubCluster, broker: LocalBroker, receivers: list[Receiver], args: argparse.Namespace
) -> Report:
    """Configure, then logins, heartbeats and events."""
    t0 = time.monotonic()
    login_pbxes = [make_pbx(hub, i, 1) for i in range(args.login_pbxes)]
    users = [u for p in login_pbxes for u in p.users]
    events_pbx = make_pbx(hub, args.login_pbxes, args.event_users)
    print(f"setup         {len(login_pbxes) + 1} PBXes configured in {time.monotonic() - t0:.1f} s")
    pids, port = pids_of(hub, broker), receivers[0].port
    drain(hub)
    idle_cpu = idle(pids, 1 if args.quick else 3)
    tokens, rows, login_cpu = login_phase(hub, pids, users, port, args)
    tokens += top_up(hub, users, port, args.hb_sessions - len(tokens), args)
    hb_rows, hb_cpu = heartbeat_phase(hub, pids, tokens[: args.hb_sessions], port, args)
    ev_rows, ev_cpu, dl_cpu = event_phase(hub, pids, events_pbx, receivers, args)
    cpu = {"idle (per second)": idle_cpu, "login": login_cpu, "heartbeat": hb_cpu,
           "event (in + fan-out)": ev_cpu, "delivery": dl_cpu}  # fmt: skip
    return Report(rows + hb_rows + ev_rows, cpu)


def idle(pids: dict[str, int], seconds: float) -> Cpu:
    """CPU microseconds per second of each process with no traffic: the background."""
    cpu0 = cpu_now(pids)
    t0 = time.monotonic()
    time.sleep(seconds)
    cpu1, elapsed = cpu_now(pids), time.monotonic() - t0
    return {n: (cpu1[n] - cpu0[n]) / elapsed * 1e6 for n in cpu0}


def top_up(
    hub: HubCluster, users: list[str], port: int, missing: int, args: argparse.Namespace
) -> list[str]:
    """More sessions for the heartbeat phase when the login phase opened too few."""
    if missing <= 0:
        return []
    bodies = plain_logins(users, port)
    _, tokens = asyncio.run(logins(hub.url, bodies, missing, args.login_concurrency))
    return list(tokens.values())


def run(args: argparse.Namespace, workdir: Path) -> None:
    """Broker and hub up, the phases, the table; everything stopped on the way out."""
    ensure_wrk()
    with running_hub(workdir, start_hub) as (broker, hub, t0):
        if not hub.workers[0].running:  # start_hub waits only for running workers
            raise RuntimeError(f"the worker exited:\n{hub.workers[0].log_tail(20)}")
        print(f"hub           broker and hub ready in {time.monotonic() - t0:.1f} s")
        report = measure(hub, broker, args)
    print(table(report))


def parser() -> argparse.ArgumentParser:
    """The sizes; `--quick` changes the defaults (explicit options still win)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = ap.add_argument
    add("--quick", action="store_true", help="small sizes, for a smoke test")
    add("--logins", type=int, default=200, help="logins in phase 1")
    add("--login-concurrency", type=int, default=16)
    add("--login-pbxes", type=int, default=4, help="PBXes (one user each) logged in to")
    add("--hb-sessions", type=int, default=200, help="live sessions heartbeats go to")
    add("--hb-seconds", type=int, default=10)
    add("--hb-connections", type=int, default=64)
    add("--event-sessions", type=int, default=100, help="sessions of the event PBX")
    add("--event-users", type=int, default=4, help="API users of the event PBX")
    add("--events", type=int, default=500)
    add("--event-concurrency", type=int, default=16)
    add("--receivers", type=int, default=4, help="local receivers the sessions share")
    add("--delivery-timeout", type=float, default=180.0, help="seconds to wait for deliveries")
    return ap


def main() -> None:
    """Parse the sizes and run in a temporary folder."""
    stop_on_signals(signal.SIGTERM)
    ap = parser()
    if ap.parse_args().quick:
        ap.set_defaults(**QUICK)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-pbx-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
