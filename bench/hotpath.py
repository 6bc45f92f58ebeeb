"""The relay hot path under load, with everything `make run` starts: `make bench`.

A private broker, the topics, a worker, the ingress, the SQL and e-mail sinks and an
SMTP server, all on loopback. Customers are loaded through the bulk import; wrk then
sends heartbeats (JSON, then XML) to every customer in turn. Printed: the import's
rate, memory per customer, throughput, p50/p99, errors, 200s against the records
added to the heartbeat topic, the lag of every consumer group, CPU per heartbeat of
each process, the ceiling of the bare server stack, and how long a restarted worker
takes to answer again. Every run stops by itself.
"""

import argparse
import functools
import tempfile
import time
from pathlib import Path

import orjson
from kafka import KafkaConsumer, TopicPartition

from bench import topic_read
from bench.bench_stack import WALL_CLOCK
from bench.lag import LagSampler
from bench.procstat import cpu_seconds, rss_bytes
from bench.wrk import WrkResult, heartbeat_script, run_wrk
from localkafka.broker import LocalBroker, free_port, free_ports
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster
from localkafka.process import ServiceProcess, wait_http
from schemas import codec_json, codec_xml

print = functools.partial(print, flush=True)  # figures appear as they come
PROFILE = {"ProfileName": "lab", "Active": True, "ReceiveTCP": True, "ReceivePort": 2575}
WARM_UP_SAMPLES = 10  # lag samples (one a second) of the customers' first heartbeats


def import_body(customers: int, first: int = 0, **timing: int) -> bytes:
    """NDJSON: customers (`bench-<first>` on) with one inbound and one outbound profile each.

    `timing` sets the customers' `HeartbeatIntervalSeconds` and `GracePeriodSeconds`.
    """
    lines = (
        orjson.dumps(
            {
                "clientId": f"bench-{c}",
                "customer": {"RelayCustomerID": c + 1, "Name": f"customer {c}", **timing},
                "inbound": {"1": PROFILE},
                "outbound": {"1": {"ProfileName": "out"}},
            }
        )
        for c in range(first, first + customers)
    )
    return b"\n".join(lines)


def heartbeat_json() -> bytes:
    """The seed's heartbeat shape, both profiles reported started."""
    return orjson.dumps(
        [
            {"ProfileId": 1, "ProfileType": t, "ServerStatus": 1, "LastTransactionId": "tx-1",
             "LastTransactionDateTime": "2026-11-22T07:51:02.2345912-05:00"}
            for t in (1, 2)
        ]
    )  # fmt: skip


def heartbeat_xml() -> bytes:
    """The same heartbeat in DataContract XML."""
    return codec_xml.encode_heartbeats(codec_json.decode_heartbeats(heartbeat_json()))


def topic_records(bootstrap: str, topic: str) -> int:
    """Records in every partition of `topic` (end offsets summed)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(parts).values())
    finally:
        consumer.close()


def health_counts(bootstrap: str, topic: str) -> dict[str, int]:
    """How many profile health transitions went to each health, over the whole topic."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, consumer_timeout_ms=2000)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning()
        counts: dict[str, int] = {}
        for record in consumer:
            doc = orjson.loads(record.value)
            if doc.get("kind") == "health":  # profiles' (not relay clients' or PBXes')
                to = str(doc.get("to_health"))
                counts[to] = counts.get(to, 0) + 1
        return counts
    finally:
        consumer.close()


def sinks(hub: HubCluster, workdir: Path) -> list[ServiceProcess]:
    """The SMTP server, the SQL sink and the e-mail sink, as `make run` has them."""
    smtp_port = free_port()
    args = ("-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{smtp_port}")
    env = hub.env(
        HUB_DATABASE_URL=f"sqlite:///{workdir / 'hub.db'}",
        HUB_SMTP_HOST="127.0.0.1",
        HUB_SMTP_PORT=str(smtp_port),
        HUB_EMAIL_DATA_DIR=str(workdir / "email"),
        HUB_EMAIL_WEB_PORT=str(free_port()),
    )
    return [
        ServiceProcess("smtp", "aiosmtpd", {}, workdir / "smtp.log", args=args),
        ServiceProcess("sql-sink", "sinks.sql", env, workdir / "sql-sink.log"),
        ServiceProcess("email-sink", "sinks.email", env, workdir / "email-sink.log"),
    ]


def load_customers(hub: HubCluster, customers: int, **timing: int) -> None:
    """Bulk import (`timing` as `import_body` takes it), then wait until the last customer
    is visible; prints the rate."""
    body = import_body(customers, **timing)
    t0 = time.perf_counter()
    reply = call(
        "POST",
        f"{hub.url}/admin/import",
        body,
        {"Authorization": f"Bearer {hub.token}", "Content-Type": "application/x-ndjson"},
    )
    assert reply.status == 200, reply.body
    durable = time.perf_counter() - t0
    for c in range(0, customers, max(1, customers // 64)):  # a sample over every partition
        while hub.admin("GET", f"/customers/bench-{c}").status != 200:
            time.sleep(0.2)
    visible = time.perf_counter() - t0
    print(
        f"import        {customers} customers ({len(body) / 1e6:.1f} MB): durable in "
        f"{durable:.1f} s ({customers / durable:,.0f}/s), visible in {visible:.1f} s"
    )


def processes(hub: HubCluster, extra: list[ServiceProcess]) -> dict[str, int]:
    """The pids of the hub's processes, by name."""
    named = {"ingress": hub.ingress, "worker": hub.workers[0], **{s.name: s for s in extra}}
    return {n: p.pid for n, p in named.items() if p is not None and p.pid is not None}


def heartbeat_run(
    hub: HubCluster, pids: dict[str, int], script: str, label: str, args: argparse.Namespace
) -> WrkResult:
    """One wrk run; prints throughput, latency, errors, loss, lag and CPU per heartbeat."""
    topic = hub.prefix + "relay-heartbeats"
    before, records_before = (
        topic_read.heartbeat_count(hub.bootstrap, topic),
        topic_records(hub.bootstrap, topic),
    )
    cpu0 = {n: cpu_seconds(p) for n, p in pids.items()}
    groups = [hub.prefix + g for g in ("workers", "sql-sink", "email-sink")]
    sampler = LagSampler(hub.bootstrap, groups, scraped=_scraped(hub))
    sampler.start()
    result = run_wrk(
        f"{hub.url}/", seconds=args.seconds, connections=args.connections, script=script
    )
    cpu1 = {n: cpu_seconds(p) for n, p in pids.items()}
    worst = sampler.stop()
    added = topic_read.heartbeat_count(hub.bootstrap, topic) - before
    records = topic_records(hub.bootstrap, topic) - records_before
    _print_run(label, result, added, records, args.seconds)
    _print_lag(hub, sampler, worst, records / max(args.seconds, 1))
    per = {n: (cpu1[n] - cpu0[n]) / max(result.requests, 1) * 1e6 for n in pids}
    total = sum(per.values())
    print("  CPU per heartbeat (µs): " + ", ".join(f"{n} {v:.0f}" for n, v in per.items())
          + f"; all {total:.0f}")  # fmt: skip
    settle_lag(hub, groups)
    return result


def _print_run(label: str, result: WrkResult, added: int, records: int, seconds: int) -> None:
    """Throughput, latency, errors and loss of one run, and its records."""
    ok = result.requests - result.errors
    print(
        f"{label:<13} {result.rate:,.0f}/s  p50 {result.p50_ms:.1f} ms  p99 {result.p99_ms:.1f}"
        f" ms  errors {result.errors}  200s {ok}  records added {added}"
        f"  missing {max(0, ok - added)}"
    )
    print(f"  records       {records:,} ({added / max(records, 1):.1f} heartbeats a record)")


def _print_lag(hub: HubCluster, sampler: LagSampler, worst: dict[str, int], rate: float) -> None:
    """Each consumer group's worst lag, in records and in seconds of heartbeat records
    (lag is counted in records, and a record may hold several heartbeats)."""
    # The first seconds are every customer's first heartbeat (a `new` -> `up` transition
    # each, a burst for the workers and the e-mail sink): shown apart from the rest.
    steady = sampler.worst(skip=WARM_UP_SAMPLES)
    print("  max lag (records; after the first 10 s): " + ", ".join(
        f"{g.removeprefix(hub.prefix)} {v:,} ({steady.get(g, 0):,})" for g, v in worst.items()
    ))  # fmt: skip
    lag_s = {g.removeprefix(hub.prefix): v / max(rate, 1) for g, v in steady.items()}
    print("  ... after 10 s, in s of heartbeat records: "
          + ", ".join(f"{g} {v:.2f}" for g, v in lag_s.items()))  # fmt: skip


def _scraped(hub: HubCluster) -> dict[str, list[str]]:
    """The workers' group, read from the workers' /metrics (see bench.lag)."""
    urls = [f"{hub.worker_url(i)}/metrics" for i in range(len(hub.workers))]
    return {hub.prefix + "workers": urls}


def settle_lag(hub: HubCluster, groups: list[str]) -> None:
    """Prints how long after the load every group's lag took to reach zero."""
    sampler = LagSampler(hub.bootstrap, groups, scraped=_scraped(hub))
    t0 = time.perf_counter()
    while any(sampler.lag().values()) and time.perf_counter() - t0 < 30:
        time.sleep(0.25)
    left = sampler.lag()
    print(f"  lag back to zero after {time.perf_counter() - t0:.1f} s (left: {left})")


def ceiling(args: argparse.Namespace, workdir: Path) -> WrkResult:
    """A bare ASGI app on the same uvicorn stack and connection count."""
    port = free_port()
    argv = ("bench.ceiling:app", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
            "--no-access-log", "--log-level", "warning")  # fmt: skip
    server = ServiceProcess("ceiling", "uvicorn", {}, workdir / "ceiling.log", args=argv)
    server.start()
    try:
        wait_http(f"http://127.0.0.1:{port}/", 30)
        seconds = max(5, args.seconds // 4)
        return run_wrk(f"http://127.0.0.1:{port}/", seconds=seconds, connections=args.connections)
    finally:
        server.stop()


def restart_time(hub: HubCluster, customers: int) -> float:
    """Seconds from a worker's start until it answers a known client again."""
    worker = hub.workers[0]
    worker.stop()
    t0 = time.perf_counter()
    worker.start()
    body, ctype = heartbeat_json(), {"Content-Type": "application/json"}
    url = f"{hub.url}/api/customer/bench-{customers // 2}/heartbeat"
    while call("PUT", url, body, ctype).status != 200:
        assert time.perf_counter() - t0 < READY_TIMEOUT * 3, "worker never answered again"
        time.sleep(0.2)
    return time.perf_counter() - t0


def run(args: argparse.Namespace, workdir: Path) -> None:
    """The whole benchmark on a private broker."""
    port, controller = free_ports(2)
    with LocalBroker(data_dir=workdir / "kafka", port=port, controller_port=controller) as broker:
        hub = HubCluster(broker.bootstrap, workdir / "hub", partitions=args.partitions)
        hub.extra_env.update(WALL_CLOCK)
        hub.extra_env["HUB_LAG_INTERVAL_S"] = "1"  # the workers' lag, sampled each second
        hub.create_topics()
        hub.add_worker()
        hub.start_ingress()
        extra = sinks(hub, workdir)
        for s in extra:
            s.start()
        try:
            hub.wait_ready()
            measure(hub, extra, args, workdir)
        finally:
            for s in extra:
                s.stop()
            hub.stop()


def measure(
    hub: HubCluster, extra: list[ServiceProcess], args: argparse.Namespace, workdir: Path
) -> None:
    """Everything the module docstring lists, printed in that order."""
    pids = processes(hub, extra)
    rss0 = {n: rss_bytes(pids[n]) for n in ("worker", "ingress")}
    load_customers(hub, args.customers)
    rss1 = {n: rss_bytes(pids[n]) for n in ("worker", "ingress")}
    per = {n: (rss1[n] - rss0[n]) / args.customers for n in rss0}
    print(
        f"memory        per customer: worker {per['worker']:,.0f} B,"
        f" ingress {per['ingress']:,.0f} B"
    )
    ids = [f"bench-{c}" for c in range(args.customers)]
    js = heartbeat_script(ids, heartbeat_json(), "application/json", workdir)
    xs = heartbeat_script(ids, heartbeat_xml(), "application/xml", workdir)
    run_wrk(f"{hub.url}/", seconds=3, connections=args.connections, script=js)  # warm-up
    jr = heartbeat_run(hub, pids, js, "JSON", args)
    xr = heartbeat_run(hub, pids, xs, "XML", args)
    print(f"XML/JSON      {xr.rate / max(jr.rate, 1):.0%}")
    found = health_counts(hub.bootstrap, hub.prefix + "health-events")
    print(f"health        transitions by target: {found} (late or down: "
          f"{found.get('late', 0) + found.get('down', 0)})")  # fmt: skip
    top = ceiling(args, workdir)
    print(f"ceiling       bare ASGI {top.rate:,.0f}/s p99 {top.p99_ms:.1f} ms; "
          f"hub JSON is {jr.rate / max(top.rate, 1):.1%} of it")  # fmt: skip
    print(f"restart       worker answers again after {restart_time(hub, args.customers):.1f} s")


def main() -> None:
    """Parse the sizes and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
