"""Probe records that keep the ingress's readiness true to its writes while it is idle.

Requests alone cannot tell a stuck producer from a quiet hour, and a replica taken
out of the load balancer gets no requests to prove it has recovered. So when no
write was acknowledged for `interval_s`, the ingress writes a small record to the
probe topic (rotating over its partitions, so every leader is tried); nothing
consumes it and it is kept an hour.
"""

import asyncio
import logging
import socket
from datetime import UTC, datetime

import orjson

from ingest.errors import BrokerUnavailable
from ingest.publisher import Publisher

log = logging.getLogger(__name__)
PROBE_KEY = b"ingress-probe"


async def run_probes(
    publisher: Publisher, *, topic: str, partitions: int, interval_s: float
) -> None:
    """Forever: probe when writes have been quiet, and log changes of readiness."""
    host = socket.gethostname()
    sent = 0
    was_ready = True
    while True:
        await asyncio.sleep(interval_s / 2)
        if _quiet(publisher, interval_s):
            await _probe(publisher, topic, sent % partitions, host)
            sent += 1
        status = publisher.health.status(publisher.now())
        if status.ready != was_ready:
            level = logging.INFO if status.ready else logging.WARNING
            state = "acknowledged" if status.ready else "failing"
            log.log(level, "Kafka writes %s: %s", state, status.reason)
            was_ready = status.ready


def _quiet(publisher: Publisher, interval_s: float) -> bool:
    last = publisher.health.last_ack
    return last is None or publisher.now() - last >= interval_s


async def _probe(publisher: Publisher, topic: str, partition: int, host: str) -> None:
    value = orjson.dumps({"at": datetime.now(UTC).isoformat(), "host": host})
    try:
        await publisher.publish(topic, PROBE_KEY, value, partition=partition)
    except BrokerUnavailable as e:
        log.debug("probe not acknowledged: %s", e)
