"""Faults under load, checked from the outside: `make faults`.

A private broker, a fresh PostgreSQL database, a hub (one worker, the ingress) and the
SQL sink writing to PostgreSQL, on loopback. Customers are loaded by the bulk import;
a steady load of relay JSON heartbeats (see `bench.faults_load`) runs the whole time,
while, one after another with pauses: the broker is SIGKILLed, left down for
`--broker-down` seconds (longer than the steady load's interval) and restarted on the
same data folder and port; the worker is SIGKILLed and started again; it is paused
(SIGSTOP) for the run's pause, then continued; it is stopped cleanly and started again;
a second worker joins, then stops (two rebalances); PostgreSQL is stopped under the sink for a while
and started again; with `--kill-sink`, the sink is then SIGKILLed (perhaps between a
rollup's commit and its offsets') and started again. Then the load stops, the sink
catches up, and `bench.faults_check` checks every heartbeat answered 200 is in Kafka,
each customer's state shows its last heartbeat, and the rollups count every heartbeat
in Kafka exactly once. Beside the heartbeats, `bench.faults_pbx` posts PBX events (5/s) to
five API sessions' receivers under the same faults, plus one fault of its own (a
session's receiver answers 503 for a while); at the end every event answered 200 must
have reached every receiver, in order with restarts (the order of the events answered
200: one answered 503 whose record reached Kafka anyway lands where it did), and every
relay health transition on the health-events topic must be a row of
`health_transitions`. `bench.faults_upstream`
connects that PBX to a PBX simulator, which posts NewCdr events to the hub and is
restarted as a fault (it forgets the hub's token): the connection must end connected,
with one login per restart and no other, and every NewCdr answered 200 must reach every
session. `bench.faults_alerts` keeps five customers' profiles going down and up, mailed
by the e-mail sink to a real SMTP server, which is down for a while as a fault: every
message the sink's policy owes for the events on the topic must have arrived, and
duplicates are counted by the fault they followed. Printed: the answers
by status, what each fault cost, what the checks found. Exit code 1 when a check
fails (or the hub never answered 200 again after a fault). Every run stops by itself
and stops what it started, on error or SIGTERM.
"""

import argparse
import contextlib
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from sqlalchemy import Engine

from bench import faults_check as check
from bench import faults_pbx
from bench.bench_stack import WALL_CLOCK
from bench.faults_alerts import AlertLoad, email_sink
from bench.faults_load import Answer, Load
from bench.faults_report import (
    Fault,
    print,
    print_alerts,
    print_costs,
    print_fault,
    print_pbx,
    print_upstream,
    print_verdict,
)
from bench.faults_upstream import UpstreamLoad
from bench.hotpath import load_customers
from localkafka import postgres
from localkafka.broker import LocalBroker, free_ports
from localkafka.hub import HubCluster
from localkafka.process import ServiceProcess
from localkafka.smtp_server import SmtpServer
from sinks.sql.database import create_sink_engine

RECOVERY_TIMEOUT_S = 120.0
CATCH_UP_TIMEOUT_S = 180.0
QUICK = {"heartbeats": 20_000, "customers": 500, "partitions": 4, "lanes": 16, "pause": 4.0,
         "max_seconds": 420.0, "receiver_down": 5.0, "smtp_down": 8.0}  # fmt: skip
FULL = {"heartbeats": 100_000, "customers": 2000, "partitions": 8, "lanes": 64, "pause": 15.0,
        "max_seconds": 1500.0, "receiver_down": 10.0, "smtp_down": 30.0}  # fmt: skip
PBX_TIMEOUT_S = 90.0
STEADY_INTERVAL_S, STEADY_GRACE_S = 15, 10
"""The load's customers: late 25 s after a heartbeat, while the load sends each of them
one every few seconds (every 1 to 5 s at the runs' rates), so none should go late."""
ALERT_TIMEOUT_S = 120.0


class Interrupted(Exception):
    """SIGTERM, or the run's time limit: stop everything and exit non-zero."""


@dataclass
class Stack:
    """What one run started, and the load against it."""

    broker: LocalBroker
    hub: HubCluster
    sink: ServiceProcess
    engine: Engine
    args: argparse.Namespace
    smtp: SmtpServer
    email: ServiceProcess
    pbx: faults_pbx.PbxLoad | None = None
    alerts: AlertLoad | None = None
    upstream: UpstreamLoad | None = None

    @property
    def heartbeats_topic(self) -> str:
        """The hub's heartbeat topic."""
        return self.hub.prefix + "relay-heartbeats"


def sql_sink(hub: HubCluster, database_url: str, workdir: Path) -> ServiceProcess:
    """`python -m sinks.sql` on the hub's topics, writing to PostgreSQL."""
    env = hub.env(
        HUB_DATABASE_URL=database_url,
        HUB_SQL_METRICS_PORT="0",  # another sink on this machine may hold the default port
        HUB_RETRY_BACKOFF_MAX_S="2",
        HUB_LOG_LEVEL="info",
    )
    return ServiceProcess("sql-sink", "sinks.sql", env, workdir / "sql-sink.log")


def start(args: argparse.Namespace, workdir: Path, stack: contextlib.ExitStack) -> Stack:
    """Database, broker, hub and sink, each stopped (or dropped) when `stack` closes."""
    # The cluster of its own that the outage fault stops: tests on the shared one go on.
    postgres.ensure_postgres(postgres.OUTAGE_PORT)
    database_url = postgres.create_database("hub_faults", postgres.OUTAGE_PORT)
    stack.callback(postgres.drop_database, database_url)
    port, controller = free_ports(2)
    broker = LocalBroker(data_dir=workdir / "kafka", port=port, controller_port=controller)
    stack.callback(broker.stop)
    broker.start()
    hub = HubCluster(broker.bootstrap, workdir / "hub", partitions=args.partitions)
    hub.extra_env.update(WALL_CLOCK)
    stack.callback(hub.stop)
    hub.create_topics()
    hub.add_worker()
    hub.start_ingress()
    sink = sql_sink(hub, database_url, workdir)
    stack.callback(sink.stop)
    sink.start()
    smtp = SmtpServer()
    stack.callback(smtp.stop)
    smtp.start()
    email = email_sink(hub, smtp, workdir)
    stack.callback(email.stop)
    email.start()
    engine = create_sink_engine(database_url)
    stack.callback(engine.dispose)
    hub.wait_ready()
    return Stack(broker, hub, sink, engine, args, smtp, email)


def kill_broker(s: Stack) -> None:
    """SIGKILL the broker; after `--broker-down` seconds, start it again on the same data
    folder and port."""
    s.broker.kill()
    time.sleep(s.args.broker_down)
    s.broker.start()


def kill_worker(s: Stack) -> None:
    """SIGKILL the worker; start it again and wait until it serves."""
    s.hub.workers[0].kill()
    s.hub.workers[0].start()
    s.hub.wait_ready()


def pause_worker(s: Stack) -> None:
    """SIGSTOP the worker for the run's pause (longer than the group's session timeout in
    a full run, so the group gives its partitions up), then SIGCONT it."""
    s.hub.workers[0].pause()
    try:
        time.sleep(s.args.pause)
    finally:
        s.hub.workers[0].resume()
    s.hub.wait_ready()


def restart_worker(s: Stack) -> None:
    """Stop the worker cleanly (SIGTERM, as a rolling upgrade does) and start it again."""
    s.hub.workers[0].stop()
    s.hub.workers[0].start()
    s.hub.wait_ready()


def add_worker(s: Stack) -> None:
    """A second worker joins (a rebalance) and gets its partitions."""
    s.hub.add_worker()
    s.hub.wait_ready()


def remove_worker(s: Stack) -> None:
    """The second worker stops (a rebalance back to one)."""
    s.hub.workers[1].stop()
    s.hub.wait_ready()


def postgres_outage(s: Stack) -> None:
    """Stop PostgreSQL under the sink, start it again, then wait for the sink to catch up."""
    postgres.stop_postgres(postgres.OUTAGE_PORT)
    try:
        time.sleep(s.args.outage)
    finally:
        postgres.start_postgres(postgres.OUTAGE_PORT)
    took = check.wait_for_sink(s.engine, s.hub.bootstrap, s.heartbeats_topic, RECOVERY_TIMEOUT_S)
    failed = sink_log_lines(s, "database unavailable")
    print(f"  the sink: {failed} failed writes, every earlier record counted {took:.1f} s after")


def sink_log_lines(s: Stack, needle: str) -> int:
    """Lines of the sink's log holding `needle`."""
    path = s.sink.log_path
    text = path.read_text(errors="replace") if path and path.exists() else ""
    return sum(1 for line in text.splitlines() if needle in line)


def kill_sink(s: Stack) -> None:
    """SIGKILL the SQL sink (rollups may be committed, their offsets not); start it again."""
    s.sink.kill()
    s.sink.start()
    took = check.wait_for_sink(s.engine, s.hub.bootstrap, s.heartbeats_topic, RECOVERY_TIMEOUT_S)
    print(f"  the sink counted every record there at its restart {took:.1f} s after it")


def receiver_down(s: Stack) -> None:
    """A session's receiver answers 503 for a while, then 200 again."""
    assert s.pbx is not None
    refused = faults_pbx.receiver_down(s.pbx, s.args.receiver_down)
    print(f"  receiver s0 answered 503 to {refused} deliveries in {s.args.receiver_down:.0f} s")


def smtp_down(s: Stack) -> None:
    """The SMTP server is down for a while (connections refused), then back."""
    assert s.alerts is not None
    before = s.alerts.smtp_down(s.args.smtp_down)
    print(f"  SMTP down {s.args.smtp_down:.0f} s; {before} messages had arrived before it")


def pbx_restart(s: Stack) -> None:
    """The upstream PBX restarts and forgets the hub's token; the hub logs in again."""
    assert s.upstream is not None
    took = s.upstream.pbx_restarts()
    print(f"  the hub logged in to the PBX again {took:.1f} s after its restart")


Action = Callable[[Stack], None]
FAULTS: list[tuple[str, Action]] = [
    ("broker SIGKILL+restart", kill_broker),
    ("worker SIGKILL+restart", kill_worker),
    ("worker paused (SIGSTOP, SIGCONT)", pause_worker),
    ("worker stopped cleanly, started", restart_worker),
    ("second worker joins", add_worker),
    ("second worker stops", remove_worker),
    ("PostgreSQL outage", postgres_outage),
    ("session receiver down", receiver_down),
    ("SMTP server down", smtp_down),
    ("upstream PBX restarts", pbx_restart),
]
SINK_KILL: tuple[str, Action] = ("SQL sink SIGKILL+restart", kill_sink)


def faults_of(args: argparse.Namespace) -> list[tuple[str, Action]]:
    """The faults of this run, in order."""
    return FAULTS + ([SINK_KILL] if args.kill_sink else [])


def recovered(load: Load, since: float) -> float | None:
    """When a heartbeat sent at `since` (the action's end) or later was first answered 200;
    None if none was in time."""
    deadline = time.monotonic() + RECOVERY_TIMEOUT_S
    while time.monotonic() < deadline:
        ok = [a.done for a in load.recent(4 * load.lanes) if a.status == 200 and a.sent >= since]
        if ok:
            return min(ok)
        time.sleep(0.1)
    return None


def run_faults(s: Stack, load: Load) -> list[Fault]:
    """Every fault in turn, a pause before each and after the last; a line about each."""
    done = []
    for name, action in faults_of(s.args):
        time.sleep(s.args.pause)
        started = time.monotonic()
        action(s)
        fault = Fault(name, started, time.monotonic())
        fault.recovered = recovered(load, fault.acted)
        print_fault(fault)
        done.append(fault)
    time.sleep(s.args.pause)
    return done


def wait_for_target(load: Load, target: int, limit: float) -> None:
    """Until `target` heartbeats are answered, or the monotonic time `limit`."""
    while load.answered < target and time.monotonic() < limit:
        time.sleep(0.2)


def verify(s: Stack, load: Load) -> check.Verdict:
    """Wait for the sink to count everything, then the three checks."""
    try:
        took = check.wait_for_sink(
            s.engine, s.hub.bootstrap, s.heartbeats_topic, CATCH_UP_TIMEOUT_S
        )
        print(f"catch-up      the sink counted every heartbeat {took:.1f} s after the load")
    except TimeoutError as e:
        print(f"catch-up      {e}; checking what it counted")
    in_kafka = check.kafka_heartbeats(s.hub.bootstrap, s.heartbeats_topic, CATCH_UP_TIMEOUT_S)
    verdict = check.Verdict()
    check.check_kafka(load.answers, in_kafka, verdict)
    check.check_states(s.hub, load.answers, in_kafka, verdict)
    check.check_rollups(s.engine, in_kafka, verdict)
    return verdict


def rate_of(args: argparse.Namespace) -> float:
    """The pace: the target heartbeats over the time the faults are expected to take."""
    if args.rate:
        return float(args.rate)
    expected_s = args.pause * (len(faults_of(args)) + 2) + args.outage + args.smtp_down + 60
    return max(1.0, float(args.heartbeats) / float(expected_s))


def drive(s: Stack, args: argparse.Namespace) -> tuple[Load, list[Fault], float]:
    """The load, the faults under it, then more load up to the target; the load, the
    faults and when the last fault's pause ended."""
    ids = [f"bench-{c}" for c in range(args.customers)]
    load = Load(s.hub.url, ids, rate_of(args), args.lanes, args.timeout)
    print(f"load          {load.rate:,.0f} heartbeats/s over {load.lanes} connections")
    t0 = time.monotonic()
    load.start()
    assert s.pbx is not None
    assert s.alerts is not None
    assert s.upstream is not None
    s.pbx.start()
    s.alerts.start()
    s.upstream.start()
    try:
        faults = run_faults(s, load)
        faults_end = time.monotonic()
        wait_for_target(load, args.heartbeats, t0 + args.max_seconds * 0.55)
    finally:
        load.stop()
        s.pbx.stop()
        s.alerts.stop()
        s.upstream.stop()
    return load, faults, faults_end


def run(args: argparse.Namespace, workdir: Path) -> bool:
    """The whole suite; True when every check held and the hub answered after every fault."""
    workdir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        s = start(args, workdir, stack)
        load_customers(
            s.hub, args.customers,
            HeartbeatIntervalSeconds=STEADY_INTERVAL_S, GracePeriodSeconds=STEADY_GRACE_S,
        )  # fmt: skip
        s.pbx = faults_pbx.PbxLoad(s.hub)
        stack.callback(s.pbx.close)
        s.pbx.setup()
        prepare_alerts_and_upstream(s, stack)
        load, faults, faults_end = drive(s, args)
        return report(s, load, faults, faults_end)


def prepare_alerts_and_upstream(s: Stack, stack: contextlib.ExitStack) -> None:
    """The alerting customers, and the PBX connected to a simulated upstream PBX."""
    assert s.pbx is not None
    s.alerts = AlertLoad(s.hub, s.smtp)
    s.alerts.setup()
    s.upstream = UpstreamLoad(s.pbx)
    stack.callback(s.upstream.close)
    s.upstream.setup()


def _wall(answers: list[Answer]) -> datetime:
    """When the last answer came, as a UTC wall-clock time (answers hold monotonic ones)."""
    last = max((a.done for a in answers), default=time.monotonic())
    return datetime.fromtimestamp(time.time() - (time.monotonic() - last), UTC)


def report(s: Stack, load: Load, faults: list[Fault], faults_end: float) -> bool:
    """Every check, its figures printed; True when all held and every fault recovered."""
    assert s.pbx is not None
    assert s.alerts is not None
    assert s.upstream is not None
    verdict = verify(s, load)
    pv = s.pbx.verify(PBX_TIMEOUT_S)
    uv = s.upstream.verify(PBX_TIMEOUT_S)
    health_topic = s.hub.prefix + "health-events"
    prefixes = ("bench-", s.pbx.client_id, s.alerts.prefix)
    faults_pbx.check_health(
        s.engine, s.hub.bootstrap, health_topic, prefixes, pv, until=_wall(load.answers)
    )
    av = s.alerts.verify(s.hub.bootstrap, health_topic, ALERT_TIMEOUT_S)
    print_costs(faults, load.answers, faults_end, verdict.recorded)
    print(f"sink log      records skipped: {sink_log_lines(s, 'skipping')}")
    print_pbx(pv)
    print_upstream(uv)
    print_alerts(av, faults)
    print_verdict(verdict, load.answers, s.args.customers)
    held = not (verdict.failed or pv.failed or uv.failed or av.failed)
    return held and all(f.recovered is not None for f in faults)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The sizes; `--quick` picks small ones, explicit options win."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 heartbeats, for CI")
    for name in FULL:
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(FULL[name]), default=None)
    parser.add_argument("--rate", type=float, default=None, help="heartbeats/s (default: fit)")
    parser.add_argument("--outage", type=float, default=10.0, help="PostgreSQL down, seconds")
    parser.add_argument("--timeout", type=float, default=15.0, help="client timeout, seconds")
    parser.add_argument(
        "--broker-down", type=float, default=20.0,
        help="seconds the killed broker stays down: longer than the steady load's interval, "
        "so a hub that alerted for its own outage would put its clients late",
    )  # fmt: skip
    parser.add_argument("--kill-sink", action="store_true", help="also SIGKILL the SQL sink")
    parser.add_argument("--keep", type=Path, default=None, help="folder to keep the logs in")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def _interrupt(signum: int, frame: FrameType | None) -> None:
    for sig in (signal.SIGTERM, signal.SIGALRM):
        signal.signal(sig, signal.SIG_IGN)  # once: cleaning up must not be interrupted
    raise Interrupted(signal.Signals(signum).name)


def main() -> None:
    """Parse, run within the time limit, exit 1 when a check failed or the run was cut."""
    args = parse()
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGALRM, _interrupt)
    signal.alarm(int(args.max_seconds))
    try:
        with contextlib.ExitStack() as folder:
            tmp = args.keep or Path(folder.enter_context(tempfile.TemporaryDirectory("-faults")))
            ok = run(args, tmp)
    except Interrupted as e:
        print(f"interrupted   {e}: stopped everything started")
        sys.exit(1)
    finally:
        signal.alarm(0)
    print("faults        every check held" if ok else "faults        FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
