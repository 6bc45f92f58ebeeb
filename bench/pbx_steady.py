"""bench.pbx's steady phase: events in real time, while others fail or post beside them.

The busy PBX (the event phase's, with its sessions) gets events at a steady rate; one
more session of it, on a receiver of its own, has that receiver answer 503 for a while
in the middle; a second, quiet PBX with one session posts one event a second all along.
Printed: deliveries/s; the end-to-end latency (post to receipt) of the busy PBX's
healthy sessions, of the failing session and of the quiet PBX, each p50/p99/max; for
the failing session, whether every event arrived, in order, once it answered again;
missing, duplicates and order violations; CPU per delivery of each process.
"""

import argparse
import asyncio
import time
from dataclasses import dataclass

from bench.pbx_load import (
    EVENT_HEADERS,
    Calls,
    Cpu,
    Delivery,
    Receipt,
    analyse,
    client,
    cpu_now,
    cpu_per,
    drain,
    event_body,
    login_body,
    logins,
    ms,
    receipts,
    received,
)
from localkafka.hub import HubCluster
from localkafka.receiver import Receiver

FIRST = 1_000_000
"""The first `callid` of this phase: apart from the burst phase's, on the same receivers."""
Row = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Target:
    """A PBX's event URL and an API user of it."""

    event_url: str
    user: str


@dataclass
class SteadyRun:
    """The posts of each PBX and the receivers the phase added."""

    busy: Calls
    quiet: Calls
    failing: Receiver
    quiet_rx: Receiver


async def post_paced(base: str, event_url: str, rate: float, seconds: float) -> Calls:
    """Event i (`callid` FIRST + i) posted at i / rate seconds from now, for `seconds`."""
    n = max(1, int(rate * seconds))
    calls = Calls([0.0] * n, [0.0] * n, [False] * n)
    t0 = time.monotonic()
    async with client(64) as http:

        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
            calls.sent[i] = time.monotonic()
            body = event_body(FIRST + i)
            async with http.post(base + event_url, data=body, headers=EVENT_HEADERS) as r:
                await r.read()
                calls.ok[i] = r.status == 200
            calls.done[i] = time.monotonic()

        await asyncio.gather(*(one(i) for i in range(n)))
    calls.elapsed = time.monotonic() - t0
    return calls


async def _failing_for(receiver: Receiver, after_s: float, seconds: float) -> None:
    await asyncio.sleep(after_s)
    receiver.status = 503
    await asyncio.sleep(seconds)
    receiver.status = 200


async def _drive(
    base: str, busy: Target, quiet: Target, run: SteadyRun, args: argparse.Namespace
) -> None:
    seconds = args.steady_seconds
    run.busy, run.quiet, _ = await asyncio.gather(
        post_paced(base, busy.event_url, args.steady_rate, seconds),
        post_paced(base, quiet.event_url, args.quiet_rate, seconds),
        _failing_for(run.failing, seconds / 4, args.fail_seconds),
    )


def _open(hub: HubCluster, user: str, receiver: Receiver, path: str) -> None:
    body = login_body(user, receiver.port, path)
    _, tokens = asyncio.run(logins(hub.url, lambda i: body, 1, 1))
    assert tokens, f"session {path} could not log in"


def _shifted(by_session: dict[str, list[Receipt]]) -> dict[str, list[Receipt]]:
    """This phase's receipts, numbered from 0 as its posts are."""
    return {p: [(n - FIRST, at) for n, at in got if n >= FIRST] for p, got in by_session.items()}


def _wait(receivers: list[Receiver], before: int, expected: int, timeout_s: float) -> float:
    """Until the receivers accepted `expected` more requests than `before` (or timeout);
    the seconds waited."""
    t0 = time.monotonic()
    while received(receivers) - before < expected and time.monotonic() - t0 < timeout_s:
        time.sleep(0.2)
    return time.monotonic() - t0


def steady_phase(
    hub: HubCluster, pids: dict[str, int], busy: Target, quiet: Target,
    busy_rx: list[Receiver], busy_paths: list[str], args: argparse.Namespace,
) -> tuple[list[Row], Cpu]:  # fmt: skip
    """Post, fail, wait for every delivery; the figures and CPU per delivery."""
    run = SteadyRun(Calls([], [], []), Calls([], [], []), Receiver().start(), Receiver().start())
    try:
        _open(hub, busy.user, run.failing, "f0")
        _open(hub, quiet.user, run.quiet_rx, "q0")
        every = [*busy_rx, run.failing, run.quiet_rx]
        drain(hub)
        before, cpu0 = received(every), cpu_now(pids)
        asyncio.run(_drive(hub.url, busy, quiet, run, args))
        ok_busy, ok_quiet = _ok(run.busy), _ok(run.quiet)
        expected = ok_busy * (len(busy_paths) + 1) + ok_quiet
        waited = _wait(every, before, expected, args.delivery_timeout)
        cpu1 = cpu_now(pids)
        return _rows(run, busy_rx, busy_paths, waited, args), cpu_per(cpu0, cpu1, expected)
    finally:
        run.failing.stop()
        run.quiet_rx.stop()


def _ok(calls: Calls) -> int:
    return len(calls.ok) - calls.errors


def _rows(
    run: SteadyRun, busy_rx: list[Receiver], busy_paths: list[str], waited: float,
    args: argparse.Namespace,
) -> list[Row]:  # fmt: skip
    healthy = analyse(_shifted(receipts(busy_rx)), busy_paths, run.busy)
    failing = analyse(_shifted(receipts([run.failing])), ["/f0"], run.busy)
    quiet = analyse(_shifted(receipts([run.quiet_rx])), ["/q0"], run.quiet)
    refused = sum(1 for r in run.failing.received if r.status == 503)
    total = healthy.unique + failing.unique + quiet.unique
    first = min(run.busy.sent + run.quiet.sent)
    last = max(healthy.last_at, failing.last_at, quiet.last_at)
    load = f"{args.steady_rate:g} events/s to {len(busy_paths) + 1} sessions"
    rate = total / max(last - first, 1e-9)
    return [
        ("steady", "load", f"{load} for {args.steady_seconds:g} s"),
        ("steady", "deliveries/s (first post to last receipt)", f"{rate:,.1f}"),
        ("steady", "waited after the last post", f"{waited:.1f} s"),
        *_latency("healthy sessions", healthy),
        *_latency("the failing session", failing),
        ("steady", "the failing session: refused / missing / out of order",
         f"{refused} / {failing.missing} / {failing.out_of_order}"),
        *_latency(f"the quiet PBX ({args.quiet_rate:g} event/s)", quiet),
        ("steady", "missing / duplicates / out of order (all)",
         _faults(healthy, failing, quiet)),
    ]  # fmt: skip


def _latency(who: str, d: Delivery) -> list[Row]:
    lat = d.latencies
    worst = max(lat, default=0.0) * 1000
    return [("steady", f"end-to-end p50 / p99 / max, {who}",
             f"{ms(lat, 50):.1f} / {ms(lat, 99):.1f} / {worst:.1f} ms")]  # fmt: skip


def _faults(*ds: Delivery) -> str:
    missing = sum(d.missing for d in ds)
    twice = sum(d.duplicates for d in ds)
    return f"{missing} / {twice} / {sum(d.out_of_order for d in ds)}"
