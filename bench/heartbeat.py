"""Relay heartbeat throughput and latency through the whole hub: `make bench`.

Starts a private broker and hub on free loopback ports, configures customers, then
sends a bounded number of heartbeats (JSON, then XML) from concurrent clients and
prints throughput and p50/p99 latency. Also times the codecs alone. Stops by itself.
"""

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson

from bench.bench_stack import WALL_CLOCK
from bench.stats import summary, timed
from localkafka.broker import LocalBroker, free_ports
from localkafka.hub import HubCluster, start_hub
from schemas import codec_json, codec_xml
from schemas.relay import ProfileHeartbeatData

PROFILES_IN, PROFILES_OUT = 5, 2


def configure(hub: HubCluster, customers: int) -> list[str]:
    """Customers with PROFILES_IN inbound and PROFILES_OUT outbound profiles each."""
    ids = []
    for c in range(customers):
        cid = f"bench-{c}"
        hub.admin("PUT", f"/customers/{cid}", {"RelayCustomerID": c + 1, "Name": cid})
        for p in range(1, PROFILES_IN + 1):
            body = {
                "ProfileName": f"in {p}",
                "Active": True,
                "ReceiveTCP": True,
                "ReceivePort": 2575,
            }
            hub.admin("PUT", f"/customers/{cid}/profiles/inbound/{p}", body)
        for p in range(1, PROFILES_OUT + 1):
            hub.admin("PUT", f"/customers/{cid}/profiles/outbound/{p}", {"ProfileName": f"out {p}"})
        ids.append(cid)
    return ids


def heartbeat_items() -> list[ProfileHeartbeatData]:
    """A heartbeat reporting every profile of a bench customer as started."""
    raw = [
        {"ProfileId": p, "ProfileType": t, "ServerStatus": 1, "LastTransactionId": f"tx-{p}",
         "LastTransactionDateTime": "2026-11-22T07:51:02.2345912-05:00"}
        for t, n in ((1, PROFILES_IN), (2, PROFILES_OUT)) for p in range(1, n + 1)
    ]  # fmt: skip
    return codec_json.decode_heartbeats(orjson.dumps(raw))


async def _client(
    session: aiohttp.ClientSession, url: str, ids: list[str], body: bytes, ctype: str, n: int
) -> list[float]:
    latencies = []
    for i in range(n):
        t0 = time.perf_counter()
        async with session.put(
            f"{url}/api/customer/{ids[i % len(ids)]}/heartbeat",
            data=body,
            headers={"Content-Type": ctype},
        ) as resp:
            await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"heartbeat answered {resp.status}")
        latencies.append(time.perf_counter() - t0)
    return latencies


async def load(url: str, ids: list[str], body: bytes, ctype: str, total: int, conc: int) -> None:
    """`total` heartbeats from `conc` concurrent clients; prints the summary."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=conc)) as session:
        await _client(session, url, ids, body, ctype, min(50, total))  # warm-up
        t0 = time.perf_counter()
        parts = await asyncio.gather(
            *(
                _client(session, url, ids[i::conc] or ids, body, ctype, total // conc)
                for i in range(conc)
            )
        )
        elapsed = time.perf_counter() - t0
    print(summary(f"PUT heartbeat {ctype} c={conc}", [x for p in parts for x in p], elapsed))


def codecs(items: list[ProfileHeartbeatData], rounds: int) -> None:
    """Time decoding a request and encoding a 7-profile answer in each format."""
    json_body, xml_body = codec_json.encode_heartbeats(items), codec_xml.encode_heartbeats(items)
    timed("decode heartbeat json", rounds, lambda: codec_json.decode_heartbeats(json_body))
    timed("decode heartbeat xml", rounds, lambda: codec_xml.decode_heartbeats(xml_body))


def main() -> None:
    """Parse the bounds, run the hub, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--customers", type=int, default=20)
    args = ap.parse_args()
    items = heartbeat_items()
    codecs(items, 2000)
    work = Path(tempfile.mkdtemp(prefix="hub-bench-"))
    port, controller = free_ports(2)
    with LocalBroker(data_dir=work / "kafka", port=port, controller_port=controller) as broker:
        hub = start_hub(broker, work / "hub", env=WALL_CLOCK)
        try:
            ids = configure(hub, args.customers)
            for body, ctype in (
                (codec_json.encode_heartbeats(items), "application/json"),
                (codec_xml.encode_heartbeats(items), "application/xml"),
            ):
                for conc in (1, args.concurrency):
                    n = args.requests if conc > 1 else min(args.requests, 1000)
                    asyncio.run(load(hub.url, ids, body, ctype, n, conc))
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
