"""The workers' consumer asks the broker to gather records for each fetch.

faust creates its aiokafka consumer with `fetch_min_bytes=1` and
`fetch_max_wait_ms=1500`: the broker answers a fetch as soon as one record is there,
so under load every fetch carries a few records, and each one costs the worker a
request, a response parsed, a hop from the consumer's thread to the agents' loop and
faust's bookkeeping per fetch. `install(min_bytes, max_wait_ms)` makes the broker wait
until `min_bytes` have gathered or `max_wait_ms` passed: fewer, fuller fetches under
load, and at most `max_wait_ms` more before a record reaches a fold when traffic is
light (`HUB_FETCH_MIN_BYTES`, `HUB_FETCH_MAX_WAIT_MS`; `python -m bench.hotpath`
measures the difference).
"""

from typing import Any

from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread

_original = AIOKafkaConsumerThread._create_worker_consumer


def install(min_bytes: int, max_wait_ms: int) -> None:
    """Create every worker consumer of this process with these fetch settings."""

    def create(self: AIOKafkaConsumerThread, transport: Any) -> Any:
        consumer = _original(self, transport)
        consumer._fetch_min_bytes = min_bytes
        consumer._fetch_max_wait_ms = max_wait_ms
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]
