"""The state at scale: many customers held, nothing happening, then a few going silent.

`python -m bench.scale` (in `make bench`): a private broker and the hub as `make run`
starts it (worker, ingress, SQL and e-mail sinks, an SMTP server). Printed, in order:
- the bulk import of `--customers` customers with two profiles each: the durable rate
  and the time until the last customer is visible;
- `--idle` seconds with no traffic at all: each process's CPU (share of one core,
  from /proc) and RSS;
- `--silent-percent` of the customers heartbeat once, then stop (their inbound
  profile is active, the outbound one inactive, so one profile each goes late):
  when each went late and down against its deadline (`--interval` 60 s and
  `--grace` 30 s by default), and the worker's CPU over that sweep;
- the ingress stopped and started: the time until it is ready (its replica of the
  answers topic read to the end) and its RSS per profile;
- a worker stopped (SIGTERM) and started again: the time until it folds again (on
  `--table-store rocksdb://`, from its own RocksDB state; on memory://, replaying every
  changelog);
- a second worker started (a new worker: it takes half the partitions, and standby
  copies of the others): the time until every partition is served; then the first
  worker SIGKILLed (a failover onto the standby copies): the time until every
  partition is served again.
Timings are printed, never asserted. Every run stops by itself.
"""

import argparse
import functools
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from kafka import KafkaConsumer, TopicPartition

from bench.bench_stack import WALL_CLOCK
from bench.hotpath import heartbeat_json, import_body, processes, sinks
from bench.procstat import cpu_seconds, rss_bytes
from localkafka.broker import LocalBroker, free_ports
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import ServiceProcess

print = functools.partial(print, flush=True)  # figures appear as they come
CHUNK = 10_000  # customers per import request (each answered within the client timeout)


def load(
    hub: HubCluster, pids: dict[str, int], customers: int, interval_s: int, grace_s: int
) -> None:
    """Bulk import in chunks, then wait until a sample over every partition is visible.

    Also prints each process's CPU per customer over that time (the broker's included):
    the figure that bounds the end-to-end rate, since every process shares the cores.
    """
    cpu0 = {n: cpu_seconds(p) for n, p in pids.items()}
    t0 = time.perf_counter()
    for start in range(0, customers, CHUNK):
        body = import_body(
            min(CHUNK, customers - start),
            first=start,
            HeartbeatIntervalSeconds=interval_s,
            GracePeriodSeconds=grace_s,
        )
        reply = call(
            "POST", f"{hub.url}/admin/import", body,
            {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"},
        )  # fmt: skip
        assert reply.status == 200, reply.body
    durable = time.perf_counter() - t0
    sample = [*range(0, customers, max(1, customers // 256)), customers - 1]
    for c in sample:
        while hub.admin("GET", f"/customers/bench-{c}").status != 200:
            time.sleep(0.2)
    visible = time.perf_counter() - t0
    print(f"import        {customers:,} customers ({2 * customers:,} profiles): durable in "
          f"{durable:.1f} s ({customers / durable:,.0f}/s), last visible after {visible:.1f} s "
          f"({customers / visible:,.0f}/s end to end)")  # fmt: skip
    spent = {n: cpu_seconds(p) - cpu0[n] for n, p in pids.items()}
    per = ", ".join(f"{n} {s / customers * 1e6:,.0f}" for n, s in spent.items())
    total = sum(spent.values()) / customers * 1e6
    print(f"import        CPU per customer until visible (µs): {per}; {total:,.0f} in all "
          f"(5,000/s on 2 cores allows 400)")  # fmt: skip


def idle(pids: dict[str, int], seconds: float) -> None:
    """Each process's CPU share and RSS over `seconds` of no traffic."""
    before = {n: cpu_seconds(p) for n, p in pids.items()}
    time.sleep(seconds)
    for name, pid in pids.items():
        share = (cpu_seconds(pid) - before[name]) / seconds
        print(
            f"idle          {name:<11} CPU {share:6.1%} of a core,"
            f" RSS {rss_bytes(pid) / 1e6:,.0f} MB"
        )


def scrape(hub: HubCluster, pids: dict[str, int], times: int = 3) -> None:
    """What a Prometheus scrape of the worker's /metrics costs it: wall time and CPU."""
    url = f"{hub.worker_url(0)}/metrics"
    walls, cpus = [], []
    for _ in range(times):
        cpu, started = cpu_seconds(pids["worker"]), time.perf_counter()
        assert call("GET", url).status == 200
        walls.append(time.perf_counter() - started)
        cpus.append(cpu_seconds(pids["worker"]) - cpu)
    print(
        f"scrape        worker /metrics: {max(walls) * 1000:,.0f} ms at most,"
        f" {max(cpus) * 1000:,.0f} ms of its CPU ({times} scrapes)"
    )


def silent(hub: HubCluster, pids: dict[str, int], count: int, args: argparse.Namespace) -> None:
    """`count` customers heartbeat once and go silent; their late and down times."""
    body, ctype = heartbeat_json(), {"Content-Type": "application/json"}
    sent: dict[str, float] = {}
    for c in range(count):
        reply = call("PUT", f"{hub.url}/api/customer/bench-{c}/heartbeat", body, ctype)
        assert reply.status == 200, reply.body
        sent[f"bench-{c}"] = time.time()
    cpu0, t0 = cpu_seconds(pids["worker"]), time.perf_counter()
    time.sleep(args.interval + args.grace + 10)
    cpu = (cpu_seconds(pids["worker"]) - cpu0) / (time.perf_counter() - t0)
    late, down = transitions(hub, set(sent))
    deadlines = (("late", late, args.interval), ("down", down, args.interval + args.grace))
    for name, found, after in deadlines:
        delays = [found[k] - (sent[k.split("/")[0]] + after) for k in found]
        if not delays:
            print(f"silent        none of {count:,} active profiles went {name}")
            continue
        p = statistics.quantiles(delays, n=100) if len(delays) > 1 else delays * 99
        worst = max(delays, default=0.0)
        print(f"silent        {len(found):,} of {count:,} active profiles {name}; after their "
              f"deadline by p50 {p[49]:.2f} s, p99 {p[98]:.2f} s, max {worst:.2f} s")  # fmt: skip
    print(f"silent        worker CPU over the sweep {cpu:.1%} of a core")


def transitions(hub: HubCluster, clients: set[str]) -> tuple[dict[str, float], dict[str, float]]:
    """When each profile of `clients` first went late and down (published, by Kafka's clock)."""
    consumer = KafkaConsumer(bootstrap_servers=hub.bootstrap, consumer_timeout_ms=3000)
    late: dict[str, float] = {}
    down: dict[str, float] = {}
    try:
        topic = hub.prefix + "health-events"
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)])
        consumer.seek_to_beginning()
        for record in consumer:
            event = orjson.loads(record.value)
            if event.get("kind") != "health" or event.get("client_id") not in clients:
                continue  # another customer's, or not a profile's (a relay client's, a PBX's)
            key = f"{event['client_id']}/{event.get('profile_type')}/{event.get('profile_id')}"
            at = record.timestamp / 1000  # when the worker published it
            target = {"late": late, "down": down}.get(str(event.get("to_health")))
            if target is not None:
                target.setdefault(key, at)
    finally:
        consumer.close()
    return late, down


def restart(hub: HubCluster) -> None:
    """A worker stopped and started on its state: seconds until it folds a write again."""
    worker = hub.workers[0]
    worker.stop()
    t0 = time.perf_counter()
    worker.start()
    body = {"RelayCustomerID": 1, "Name": "after restart"}
    while hub.admin("PUT", "/customers/bench-restart", body).status != 200:
        assert time.perf_counter() - t0 < READY_TIMEOUT * 10, "worker never folded again"
        time.sleep(0.5)
    print(f"restart       worker folds again {time.perf_counter() - t0:.1f} s after its start")


def ingress_restart(hub: HubCluster, profiles: int) -> None:
    """The ingress stopped and started: seconds until its answers replica is read (ready),
    and its memory per profile then."""
    ingress = hub.ingress
    assert ingress is not None
    ingress.stop()
    t0 = time.perf_counter()
    ingress.start()
    hub.wait_ready()
    ready = time.perf_counter() - t0
    rss = rss_bytes(ingress.pid) if ingress.pid is not None else 0
    print(f"ingress       ready {ready:.1f} s after its start ({profiles:,} profiles in its "
          f"answers replica); RSS {rss / 1e6:,.0f} MB, "
          f"{rss / profiles:,.0f} B a profile")  # fmt: skip


def stack_restart(broker: LocalBroker, hub: HubCluster, extra: list[ServiceProcess]) -> None:
    """Everything `make run` starts stopped and started again on its state (the broker on
    its log, the workers on their tables): seconds until the ingress is ready, and until
    a worker folds an admin write again."""
    assert hub.ingress is not None
    for process in [*extra, hub.ingress, *hub.workers]:
        process.stop()
    broker.stop()
    t0 = time.perf_counter()
    broker.start()
    for process in [*hub.workers, hub.ingress, *extra]:
        process.start()
    hub.wait_ready()
    ready = time.perf_counter() - t0
    body = {"RelayCustomerID": 2, "Name": "after the stack's restart"}
    while hub.admin("PUT", "/customers/bench-stack-restart", body).status != 200:
        assert time.perf_counter() - t0 < READY_TIMEOUT * 10, "the stack never folded again"
        time.sleep(0.5)
    folds = time.perf_counter() - t0
    print(f"stack restart ingress ready {ready:.1f} s, a worker folding {folds:.1f} s, after "
          "the broker's start")  # fmt: skip


def served_by(hub: HubCluster, index: int, clients: list[str]) -> bool:
    """Whether worker `index` answers every client's state (its own, or by its owner)."""
    for cid in clients:
        reply = call("GET", f"{hub.worker_url(index)}/hub/customers/{cid}")
        if reply.status != 200:
            return False
    return True


def until_served(hub: HubCluster, index: int, clients: list[str], what: str) -> None:
    """Print how long until worker `index` serves every one of `clients`."""
    t0 = time.perf_counter()
    while True:
        try:
            if served_by(hub, index, clients):
                break
        except OSError:
            pass  # its web server is not up yet
        assert time.perf_counter() - t0 < READY_TIMEOUT * 10, f"{what}: never served"
        time.sleep(0.2)
    print(f"{what:<13} every partition served {time.perf_counter() - t0:.1f} s after it")


def failover(hub: HubCluster, args: argparse.Namespace) -> None:
    """A second worker joins (standby replicas on); then the first is SIGKILLed."""
    clients = [f"bench-{c}" for c in range(min(args.customers, args.partitions * 8))]
    hub.add_worker()
    until_served(hub, 1, clients, "new worker")
    time.sleep(args.standby_wait)  # its standby copies catch up on the others
    hub.workers[0].kill()
    until_served(hub, 1, clients, "failover")


def run(args: argparse.Namespace, workdir: Path) -> None:
    """The whole benchmark on a private broker."""
    port, controller = free_ports(2)
    with LocalBroker(data_dir=workdir / "kafka", port=port, controller_port=controller) as broker:
        hub = HubCluster(broker.bootstrap, workdir / "hub", partitions=args.partitions)
        hub.extra_env.update(WALL_CLOCK)
        hub.extra_env["HUB_TABLE_STORE"] = args.table_store
        print(f"tables        {args.table_store}, {args.partitions} partitions")
        hub.create_topics()
        hub.add_worker()
        hub.start_ingress()
        extra: list[ServiceProcess] = sinks(hub, workdir)
        for s in extra:
            s.start()
        try:
            hub.wait_ready()
            pids = {**processes(hub, extra), "broker": broker.pid}
            load(hub, pids, args.customers, args.interval, args.grace)
            idle(pids, args.idle)
            scrape(hub, pids)
            if args.silent_percent:
                silent(hub, pids, max(1, args.customers * args.silent_percent // 100), args)
            restart(hub)
            ingress_restart(hub, 2 * args.customers)
            stack_restart(broker, hub, extra)
            failover(hub, args)
        finally:
            for s in extra:
                s.stop()
            hub.stop()


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=500_000)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--silent-percent", type=int, default=1, help="0 skips that part")
    parser.add_argument("--interval", type=int, default=60, help="customers' heartbeat interval")
    parser.add_argument("--grace", type=int, default=30, help="customers' grace period")
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument(
        "--standby-wait", type=float, default=10.0,
        help="seconds between the second worker serving and the first one's SIGKILL",
    )  # fmt: skip
    parser.add_argument(
        "--table-store", default="rocksdb://", choices=("memory://", "rocksdb://"),
        help="the worker's HUB_TABLE_STORE (rocksdb://: a restart reads its own disk)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-scale-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
