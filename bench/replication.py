"""Admin writes reaching every ingress's answers: `python -m bench.replication`.

Starts a private broker, a worker and two ingresses on loopback, imports customers,
then changes one inbound profile's `ReceivePort` at a time through the first ingress
(`PUT /admin/customers/{clientId}/profiles/inbound/1`) and times, from the write's 200,
until a heartbeat answered by each ingress shows the new port (polled every 2 ms).
The ingress that took the write shows it in its next answer by design (read-your-writes);
the other follows within the replication delay of the answers topic. Prints p50, p99 and
the worst for each. Bounded in count and time; stops by itself.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.bench_stack import WALL_CLOCK
from bench.hotpath import PROFILE, heartbeat_json, load_customers
from localkafka.broker import LocalBroker, free_port, free_ports
from localkafka.http import call
from localkafka.hub import READY_TIMEOUT, HubCluster, start_hub
from localkafka.process import ServiceProcess, wait_http

POLL_S = 0.002
GIVE_UP_S = 10.0


def shows(url: str, cid: str, port: int) -> bool:
    """Whether a heartbeat answered at `url` shows inbound profile 1 on `port`."""
    reply = call("PUT", f"{url}/api/customer/{cid}/heartbeat", heartbeat_json(),
                 {"Content-Type": "application/json"})  # fmt: skip
    return bool(
        reply.status == 200 and reply.json()["InboundProfileList"][0]["ReceivePort"] == port
    )


def seen_after(url: str, cid: str, port: int, written: float) -> float:
    """Seconds from `written` until `url` answers with `port` (GIVE_UP_S at most)."""
    while not shows(url, cid, port):
        if time.perf_counter() - written > GIVE_UP_S:
            break
        time.sleep(POLL_S)
    return time.perf_counter() - written


def one_write(hub: HubCluster, other: str, cid: str, port: int) -> tuple[float, float]:
    """(delay at the ingress that took the write, delay at the other)."""
    reply = hub.admin(
        "PUT", f"/customers/{cid}/profiles/inbound/1", {**PROFILE, "ReceivePort": port}
    )
    assert reply.status == 200, reply.body
    written = time.perf_counter()
    return seen_after(hub.url, cid, port, written), seen_after(other, cid, port, written)


def summary(label: str, delays: list[float]) -> None:
    """p50, p99 and the worst, in ms."""
    ms = sorted(d * 1000 for d in delays)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{label:<24} p50 {statistics.median(ms):.1f} ms  p99 {p99:.1f} ms  worst {ms[-1]:.1f} ms"
    )


def second_ingress(hub: HubCluster) -> tuple[ServiceProcess, str]:
    """Another ingress of the same hub, ready; with its URL."""
    port = free_port()
    env = hub.env(HUB_PORT=str(port), HUB_RESPONDER_URL=hub.worker_url(0))
    ingress = ServiceProcess("ingress2", "ingest", env, hub.workdir / "ingress2.log")
    ingress.start()
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/readyz", READY_TIMEOUT)
    return ingress, url


def run(args: argparse.Namespace, workdir: Path) -> None:
    """The whole benchmark on a private broker."""
    port, controller = free_ports(2)
    with LocalBroker(data_dir=workdir / "kafka", port=port, controller_port=controller) as broker:
        hub = start_hub(broker, workdir / "hub", env=WALL_CLOCK)
        try:
            ingress, other = second_ingress(hub)
            try:
                load_customers(hub, args.customers)
                same, elsewhere = [], []
                for n in range(args.writes):
                    cid = f"bench-{n % args.customers}"
                    a, b = one_write(hub, other, cid, 3000 + n)
                    same.append(a)
                    elsewhere.append(b)
                summary("ingress that took it", same)
                summary("the other ingress", elsewhere)
            finally:
                ingress.stop()
        finally:
            hub.stop()


def main() -> None:
    """Parse the sizes and run in a temporary folder."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=200)
    ap.add_argument("--writes", type=int, default=200)
    args = ap.parse_args()
    print(f"admin writes  {args.writes} profile changes, {args.customers} customers, 2 ingresses")
    with tempfile.TemporaryDirectory(prefix="hub-bench-replication-") as tmp:
        run(args, Path(tmp))


if __name__ == "__main__":
    main()
