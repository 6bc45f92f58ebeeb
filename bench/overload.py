"""The overload curve of one ingress: `python -m bench.overload [--quick]`.

Starts a private broker, a worker and the ingress on loopback, loads customers through
the bulk import, then offers relay JSON heartbeats (each customer in turn) in an open
loop (bench/open_loop.py): a warm-up at a low rate, rising rates for a few seconds
each, then at once the low rate again. Past `HUB_MAX_IN_FLIGHT` heartbeats in flight
the ingress answers 503 with `Retry-After` at once (ingest/shedding.py): above what the
hub takes, the accepted rate should stay near its ceiling with bounded latency, the
rest be shed fast, the ingress's memory stay flat, and the low rate after the top step
be served as before from its first second.

Printed per step: offered and accepted (200) rates, the shed (503) share and count,
503s without Retry-After, other answers, requests with no answer, requests not sent
because the client's cap was reached, p50/p99 from sent to answered of the 200s and of
the 503s, p99 of how late the client sent (its own lag), new connections and the
ingress's highest RSS. Then each process's CPU per step with this client's (it shares
the cores) and the rest of the machine's, how long the fold took to catch up, and the
low rate after the top step second by second, with whether it recovered at once.
Bounded in time (`--time-limit`); everything it started is stopped, on errors and
SIGTERM too.
"""

import argparse
import asyncio
import functools
import math
import os
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import uvloop
from yarl import URL

from bench.bench_stack import WALL_CLOCK, running_hub, stop_on_signals
from bench.hotpath import heartbeat_json, load_customers, processes
from bench.open_loop import NO_ANSWER, Answer, Run, Send, Step, offer, sample
from bench.pbx import broker_pid
from bench.pbx_load import cpu_now, drain
from bench.procstat import TICKS, rss_bytes
from bench.stats import percentile
from localkafka.broker import LocalBroker
from localkafka.hub import HubCluster

print = functools.partial(print, flush=True)  # figures appear as they come
HEADERS = {"Content-Type": "application/json"}
QUICK = {
    "customers": 300, "rates": "50,200,800", "seconds": 2.0, "low_rate": 10.0,
    "warmup_seconds": 2.0, "recovery_seconds": 3.0, "max_in_flight": 4, "partitions": 4,
    "time_limit": 240,
}  # fmt: skip
"""Small, and certain to shed: 4 in flight at ~5 ms or more each take 800/s at most.

At 10/s, 4 answers in flight at once take 300 ms or more each, even on a busy machine:
the low rate after the top step sheds nothing. The top rate stays low enough for the
ingress to read every request as it comes (a starved ingress falls behind before its
bound, where shedding cannot help; the default run shows it).
"""
COLUMNS = ("phase", "offered/s", "accepted/s", "shed%", "503s", "no-RA", "other", "failed",
           "capped", "200-p50", "200-p99", "503-p50", "503-p99", "late-p99", "conns",
           "RSS-MB")  # fmt: skip
Samples = list[tuple[float, float]]


@dataclass
class Load:
    """A run of the plan, with the ingress's RSS samples and the client's new connections."""

    run: Run = field(default_factory=lambda: Run([]))
    rss: Samples = field(default_factory=list)
    connections: list[float] = field(default_factory=list)


def plan(args: argparse.Namespace) -> list[Step]:
    """Warm-up, the rising steps, recovery: back to back."""
    rates = [float(r) for r in args.rates.split(",")]
    steps = [Step(f"step{i + 1}", r, args.seconds) for i, r in enumerate(rates)]
    warmup = Step("warmup", args.low_rate, args.warmup_seconds)
    return [warmup, *steps, Step("recovery", args.low_rate, args.recovery_seconds)]


def heartbeat_sender(session: aiohttp.ClientSession, base: str, customers: int) -> Send:
    """Request i: customer `bench-<i mod customers>`'s heartbeat; status, Retry-After."""
    urls = [URL(f"{base}/api/customer/bench-{c}/heartbeat") for c in range(customers)]
    body = heartbeat_json()

    async def send(i: int) -> tuple[int, bool]:
        async with session.put(urls[i % customers], data=body, headers=HEADERS) as resp:
            await resp.read()
            return resp.status, "Retry-After" in resp.headers

    return send


def counting_connections(opened: list[float]) -> aiohttp.TraceConfig:
    """A trace that appends the time of every new connection to `opened`."""

    async def on_created(*_: object) -> None:
        opened.append(time.monotonic())

    trace = aiohttp.TraceConfig()
    trace.on_connection_create_end.append(on_created)
    return trace


def machine_busy() -> float:
    """CPU seconds every core of the machine has spent busy so far (not idle nor iowait)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / TICKS


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each process, and by the whole machine."""
    return {**cpu_now(pids), "machine": machine_busy()}


async def drive(hub: HubCluster, pids: dict[str, int], args: argparse.Namespace) -> Load:
    """The whole plan against the hub; the ingress's RSS and new connections meanwhile."""
    load = Load()
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=args.cap),
        timeout=aiohttp.ClientTimeout(total=args.timeout),
        trace_configs=[counting_connections(load.connections)],
    )
    async with session:
        sampler = asyncio.create_task(sample(lambda: rss_bytes(pids["ingress"]), 0.25, load.rss))
        try:
            send = heartbeat_sender(session, hub.url, args.customers)
            load.run = await offer(plan(args), send, args.cap, lambda: cpu_of(pids))
        finally:
            sampler.cancel()
    return load


def ms(values_s: list[float], q: float) -> str:
    """The q-th percentile in milliseconds, or "-" when there is none."""
    value = percentile(sorted(values_s), q) * 1000
    return "-" if math.isnan(value) else f"{value:.1f}"


def latencies(answers: list[Answer], status: int) -> list[float]:
    """Seconds from sent to answered of the answers with `status` (the hub's part)."""
    return [a.done - a.sent for a in answers if a.status == status]


def within(times: list[float], start: float, end: float) -> list[float]:
    """The times in [start, end)."""
    return [t for t in times if start <= t < end]


def highest(samples: Samples, start: float, end: float) -> str:
    """The highest sample in [start, end), in MB."""
    values = [v for t, v in samples if start <= t < end]
    return f"{max(values) / 1e6:.0f}" if values else "-"


def row(load: Load, index: int) -> list[str]:
    """One step's figures, in the order of COLUMNS."""
    run = load.run
    step, answers, span = run.plan[index], run.of(index), run.starts[index : index + 2]
    statuses = [a.status for a in answers]
    shed, ok, failed = statuses.count(503), statuses.count(200), statuses.count(NO_ANSWER)
    no_ra = sum(1 for a in answers if a.status == 503 and not a.retry_after)
    return [
        step.name, f"{step.rate:.0f}", f"{ok / step.seconds:.0f}",
        f"{shed / max(step.count, 1) * 100:.1f}", str(shed), str(no_ra),
        str(len(statuses) - shed - ok - failed), str(failed), str(run.capped[index]),
        ms(latencies(answers, 200), 50), ms(latencies(answers, 200), 99),
        ms(latencies(answers, 503), 50), ms(latencies(answers, 503), 99),
        ms([a.sent - a.due for a in answers], 99),
        str(len(within(load.connections, *span))), highest(load.rss, *span),
    ]  # fmt: skip


def aligned(header: list[str], rows: list[list[str]]) -> str:
    """The header and rows as right-aligned columns (the first left-aligned)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    pairs = list(zip(widths[1:], range(1, len(header)), strict=True))
    return "\n".join(f"{r[0]:<{widths[0]}}" + "".join(f"  {r[i]:>{w}}" for w, i in pairs)
                     for r in [header, *rows])  # fmt: skip


def cpu_rows(run: Run) -> list[list[str]]:
    """Per step: each process's CPU, their sum, the machine's and the rest (% of a core)."""
    out = []
    for i, step in enumerate(run.plan):
        before, after = run.snapshots[i], run.snapshots[i + 1]
        elapsed = run.taken[i + 1] - run.taken[i]
        pct = {n: (after[n] - before[n]) / elapsed * 100 for n in before}
        machine = pct.pop("machine")
        ours = sum(pct.values())
        cells = [*pct.values(), ours, machine, max(0.0, machine - ours)]  # ticks: ±1 %
        out.append([step.name, *(f"{c:.0f}" for c in cells)])
    return out


def second(run: Run, index: int, s: int) -> list[Answer]:
    """The answers to the requests due in second `s` (from 0) of step `index`."""
    start = run.starts[index] + s
    return [a for a in run.of(index) if start < a.due <= start + 1]


def recovery_lines(run: Run) -> list[str]:
    """The last step second by second, then whether it recovered at once."""
    last = len(run.plan) - 1
    lines = []
    for s in range(math.ceil(run.plan[last].seconds)):
        got = second(run, last, s)
        shed = sum(1 for a in got if a.status == 503)
        lat = latencies(got, 200)
        lines.append(f"recovery      second {s + 1}: {len(got)} sent, {shed} shed "
                     f"({shed / max(len(got), 1):.1%}), 200 p50/p99 {ms(lat, 50)} / "
                     f"{ms(lat, 99)} ms")  # fmt: skip
    return [*lines, at_once(run)]


def at_once(run: Run) -> str:
    """Whether every request due in the last step's first second was answered 200.

    None shed, none left unsent, none without an answer; their p99 is printed beside
    the warm-up's (the same rate, before any overload) for the reader to compare.
    """
    last = len(run.plan) - 1
    first, due = second(run, last, 0), round(min(run.plan[last].rate, run.plan[last].count))
    ok, before = latencies(first, 200), latencies(run.of(0), 200)
    verdict = "yes" if len(ok) >= due else "no"
    count = f"{len(ok)} of the {due} due in second 1 answered 200"
    p99 = f"their p99 {ms(ok, 99)} ms, the warm-up's {ms(before, 99)} ms"
    return f"recovery      at once: {verdict} ({count}; {p99})"


def report(load: Load) -> None:
    """The figures table, the CPU table and the recovery by second."""
    rows = [row(load, i) for i in range(len(load.run.plan))]
    print("\n" + aligned(list(COLUMNS), rows))
    print("(rates per second; shed%: of the requests due; latencies in ms from sent to "
          "answered; late: from due to sent, the client's lag; conns: new connections; "
          "RSS: the ingress's highest)\n")  # fmt: skip
    names = [n for n in load.run.snapshots[0] if n != "machine"]
    print(aligned(["CPU%", *names, "measured", "machine", "others"], cpu_rows(load.run)))
    print(f"(% of one core, of {os.cpu_count()} here; bench: this client, on the same cores; "
          "others: every other process of the machine)\n")  # fmt: skip
    print("\n".join(recovery_lines(load.run)))


def watched(hub: HubCluster, broker: LocalBroker) -> dict[str, int]:
    """The pids whose CPU is measured: ingress, worker, broker (if found), this client."""
    pids = processes(hub, [])
    found = broker_pid(broker)
    if found is not None:
        pids["broker"] = found
    return {**pids, "bench": os.getpid()}


def measure(hub: HubCluster, broker: LocalBroker, args: argparse.Namespace) -> None:
    """Customers, the pids to watch, the load, the report, the fold's lag after it."""
    load_customers(hub, args.customers)
    pids = watched(hub, broker)
    before = rss_bytes(pids["ingress"])
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        load = runner.run(drive(hub, pids, args))
    most, after = max((v for _, v in load.rss), default=0), rss_bytes(pids["ingress"])
    print(f"ingress RSS   {before / 1e6:.0f} MB before the load, {most / 1e6:.0f} MB at most,"
          f" {after / 1e6:.0f} MB after it")  # fmt: skip
    print(f"fold lag      the workers' group caught up {drain(hub)} after the last answer")
    report(load)


def start(broker: LocalBroker, workdir: Path, args: argparse.Namespace) -> HubCluster:
    """Topics, one worker and the ingress, with the bound on requests in flight if given."""
    hub = HubCluster(broker.bootstrap, workdir, partitions=args.partitions)
    hub.extra_env.update(WALL_CLOCK)
    if args.max_in_flight is not None:
        hub.extra_env["HUB_MAX_IN_FLIGHT"] = str(args.max_in_flight)
    hub.create_topics()
    hub.add_worker()
    hub.start_ingress()
    return hub


def run(args: argparse.Namespace, workdir: Path) -> None:
    """Broker and hub up, the load; everything stopped on the way out."""

    def started(broker: LocalBroker, folder: Path) -> HubCluster:
        return start(broker, folder, args)

    with running_hub(workdir, started) as (broker, hub, t0):
        hub.wait_ready()
        limit = args.max_in_flight or "256 (the default)"
        print(f"hub           ready in {time.monotonic() - t0:.1f} s; "
              f"HUB_MAX_IN_FLIGHT {limit}; client cap {args.cap} in flight")  # fmt: skip
        measure(hub, broker, args)


def parser() -> argparse.ArgumentParser:
    """The sizes; `--quick` changes the defaults (explicit options still win)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = ap.add_argument
    add("--quick", action="store_true", help="small sizes and HUB_MAX_IN_FLIGHT 4")
    add("--customers", type=int, default=2000)
    add("--rates", default="200,400,800,1600,3200", help="offered rates, comma-separated")
    add("--seconds", type=float, default=8.0, help="length of each rate's step")
    add("--low-rate", type=float, default=100.0, help="rate of the warm-up and recovery")
    add("--warmup-seconds", type=float, default=3.0)
    add("--recovery-seconds", type=float, default=5.0)
    add("--cap", type=int, default=4096, help="the client's bound on requests in flight")
    add("--timeout", type=float, default=10.0, help="seconds before a request has no answer")
    add("--max-in-flight", type=int, default=None, help="HUB_MAX_IN_FLIGHT (hub default)")
    add("--partitions", type=int, default=8)
    add("--time-limit", type=int, default=900, help="seconds before the run stops itself")
    return ap


def main() -> None:
    """Parse the sizes, bound the run in time and run it in a temporary folder."""
    stop_on_signals(signal.SIGTERM, signal.SIGALRM)
    ap = parser()
    if ap.parse_args().quick:
        ap.set_defaults(**QUICK)
    args = ap.parse_args()
    signal.alarm(args.time_limit)
    with tempfile.TemporaryDirectory(prefix="hub-bench-overload-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
