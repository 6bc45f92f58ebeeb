"""The workers' fetches are held by the broker 100 ms at most, not faust's 1.5 s.

faust creates its aiokafka consumer with `fetch_max_wait_ms=1500`: a fetch that finds
no new record is held by the broker until one arrives or 1.5 s pass. aiokafka sends one
fetch at a time to a broker, for the partitions whose fetched records are all handed
over; so while the workers' busy partitions (heartbeats) still have records in hand,
the next fetch covers only the quiet ones (configuration, orders, ticks, PBX), the
broker holds it, and the busy partitions cannot be fetched again until it returns.
Measured on the hot-path bench (10,000 customers): the heartbeat fold waited 1.1 to
1.5 s for records, again and again, while thousands were waiting in the topic, and the
workers' lag rose to seconds of traffic with the worker half idle. `install(max_wait_ms)`
caps the hold (`HUB_FETCH_MAX_WAIT_MS`, 100 by default): a quiet worker sends about ten
fetches a second instead of one.
"""

from aiokafka import AIOKafkaConsumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread, Transport

_original = AIOKafkaConsumerThread._create_worker_consumer


def install(max_wait_ms: int) -> None:
    """Create every worker consumer of this process with this longest fetch hold."""

    def create(self: AIOKafkaConsumerThread, transport: Transport) -> AIOKafkaConsumer:
        consumer = _original(self, transport)
        consumer._fetch_max_wait_ms = max_wait_ms
        return consumer

    AIOKafkaConsumerThread._create_worker_consumer = create  # type: ignore[method-assign]
