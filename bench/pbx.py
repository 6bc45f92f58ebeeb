"""The PBX API under load through a whole hub: `python -m bench.pbx [--quick]`.

Starts a private broker, a worker and the ingress on loopback, configures PBXes and API
users through the admin API, then measures, in turn:

1. logins: N logins from concurrent clients over a few PBX users (each one a scrypt
   password check): throughput, p50/p99, errors.
2. heartbeats: wrk for a fixed time at full concurrency over the live sessions, each
   request with the next session's token: throughput, p50/p99, errors (any answer
   that is not HTTP 200 `{"status":"Success"}`).
3. intake: wrk posting one event report again and again to a PBX with no live session:
   the events taken in (each answered 200 once durable), p50/p99, errors.
4. events: S sessions of one PBX, each on its own path of a few local receivers
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

from bench.bench_stack import WALL_CLOCK, running_hub, stop_on_signals
from bench.pbx_load import (
    EVENT_HEADERS,
    LOOPBACK,
    PASSWORD,
    Calls,
    Cpu,
    Delivery,
    client,
    cpu_now,
    cpu_per,
    drain,
    drive,
    event_body,
    login_body,
    logins,
    ms,
    wait_for,
)
from bench.pbx_steady import Target, steady_phase
from bench.pbx_wrk import event_script, heartbeat_script, run_heartbeats
from bench.wrk import WrkResult, ensure_wrk
from localkafka.broker import LocalBroker
from localkafka.http import Reply
from localkafka.hub import HubCluster, start_hub
from localkafka.receiver import Receiver

print = functools.partial(print, flush=True)  # figures appear as they come
Row = tuple[str, str, str]
QUICK = {
    "logins": 20, "login_concurrency": 8, "login_pbxes": 2, "hb_sessions": 20,
    "hb_seconds": 3, "hb_connections": 16, "event_sessions": 10, "events": 50,
    "event_concurrency": 8, "receivers": 2, "delivery_timeout": 30.0, "steady_rate": 10.0,
    "steady_seconds": 4.0, "fail_seconds": 1.0,
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


def plain_logins(users: list[str], port: int) -> Callable[[int], bytes]:
    """Login i as users[i mod U], the callback the receiver's root (no events go there)."""
    return lambda i: login_body(users[i % len(users)], port, None)


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


def intake_phase(
    hub: HubCluster, pids: dict[str, int], pbx: Pbx, args: argparse.Namespace
) -> tuple[list[Row], Cpu]:
    """Event reports posted by wrk to a PBX with no live session: what the hub takes in
    (each answered 200 once durable), without the fan-out of the burst below."""
    script = event_script(pbx.event_url, event_body(0), hub.workdir)
    url = hub.url + pbx.event_url
    run_heartbeats(url, script, 1, args.hb_connections)  # warm-up
    drain(hub)
    cpu0 = cpu_now(pids)
    run = run_heartbeats(url, script, args.hb_seconds, args.hb_connections)
    cpu = cpu_per(cpu0, cpu_now(pids), run.requests)
    drained = drain(hub)
    rows = [
        ("intake", "events taken (in s) / connections",
         f"{run.requests} ({run.seconds:.0f} s) / {args.hb_connections}"),
        ("intake", "events/s", f"{run.rate:,.1f}"),
        ("intake", "latency p50 / p99", f"{run.p50_ms:.1f} / {run.p99_ms:.1f} ms"),
        ("intake", "errors", str(run.errors)),
        ("intake", "worker lag gone after", drained),
    ]  # fmt: skip
    print("intake        " + "; ".join(f"{f} {v}" for _, f, v in rows))
    return rows, cpu


def heartbeat_rows(run: WrkResult, sessions: int, connections: int) -> list[Row]:
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
    paths: list[str], args: argparse.Namespace,
) -> tuple[list[Row], Cpu, Cpu]:  # fmt: skip
    """Phase 3: post a burst to the sessions on `paths`, then wait for every delivery; CPU
    per event and per delivery."""
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
    quiet_pbx = make_pbx(hub, args.login_pbxes + 1, 1)
    intake_pbx = make_pbx(hub, args.login_pbxes + 2, 1)
    print(f"setup         {len(login_pbxes) + 3} PBXes configured in {time.monotonic() - t0:.1f} s")
    pids, port = pids_of(hub, broker), receivers[0].port
    drain(hub)
    idle_cpu = idle(pids, 1 if args.quick else 3)
    tokens, rows, login_cpu = login_phase(hub, pids, users, port, args)
    tokens += top_up(hub, users, port, args.hb_sessions - len(tokens), args)
    hb_rows, hb_cpu = heartbeat_phase(hub, pids, tokens[: args.hb_sessions], port, args)
    in_rows, in_cpu = intake_phase(hub, pids, intake_pbx, args)
    paths = open_event_sessions(hub, events_pbx, receivers, args)
    ev_rows, ev_cpu, dl_cpu = event_phase(hub, pids, events_pbx, receivers, paths, args)
    busy, quiet = (Target(p.event_url, p.users[0]) for p in (events_pbx, quiet_pbx))
    st_rows, st_cpu = steady_phase(hub, pids, busy, quiet, receivers, paths, args)
    print("steady        " + "; ".join(f"{f} {v}" for _, f, v in st_rows))
    cpu = {"idle (per second)": idle_cpu, "login": login_cpu, "heartbeat": hb_cpu,
           "event (intake only)": in_cpu, "event (in + fan-out)": ev_cpu,
           "delivery (burst)": dl_cpu, "delivery (steady)": st_cpu}  # fmt: skip
    return Report(rows + hb_rows + in_rows + ev_rows + st_rows, cpu)


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
    start = functools.partial(start_hub, env=WALL_CLOCK)
    with running_hub(workdir, start) as (broker, hub, t0):
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
    add("--steady-rate", type=float, default=50.0, help="events/s to the busy PBX, phase 4")
    add("--steady-seconds", type=float, default=20.0)
    add("--quiet-rate", type=float, default=1.0, help="events/s to the quiet PBX meanwhile")
    add("--fail-seconds", type=float, default=10.0, help="one session's receiver answers 503")
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
