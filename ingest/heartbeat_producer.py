"""The heartbeat path's producer: aiokafka, on the ingress's own event loop.

Every other write of the ingress goes through `ingest.publisher` (kafka-python). The
heartbeats, one record each, are the ingress's hot path, and there kafka-python cost
most: its sender thread, the wake-ups between it and the event loop, and its record
building in Python. Measured against the local broker, batches of six records with
four batches in flight (the ingress's shape under load): kafka-python 65.9 to 69.2 µs
of CPU a record, aiokafka 17.6 to 18.1 (`bench/publish_clients.py`). aiokafka builds
record batches in C and sends from the loop that awaits them, with no thread.

Same contract as `Publisher.publish_many`: acks=all and idempotence, every record of a
call acknowledged or `BrokerUnavailable`, the writes' health and metrics fed. A
producer that acknowledges nothing within the timeout, and has not since the call
began, is replaced by a fresh one (its pending sends fail); as with kafka-python, a
record of a call answered 503 may still reach the topic, and a client's retry of it
is its own.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from ingest.errors import BrokerUnavailable
from ingest.metrics import PUBLISH
from ingest.publisher import Record
from ingest.write_health import WriteHealth

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 5.0


class HeartbeatProducer:
    """Publishes records of one call, awaiting every acknowledgement (aiokafka)."""

    def __init__(
        self,
        bootstrap: str,
        timeout_s: float,
        health: WriteHealth,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self.health = health
        self._bootstrap = bootstrap.split(",")
        self._clock = clock
        self._producer: AIOKafkaProducer | None = None
        self._created_at = 0.0
        self._lock = asyncio.Lock()
        self._stopping: set[asyncio.Task[None]] = set()
        # This producer's own last acknowledgement: the shared health also counts the
        # other writes', which say nothing about whether this one is stalled.
        self._last_ack: float | None = None
        self.replacements = 0

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        """Send the records; each one's offset once every in-sync replica has them all."""
        if not records:
            return []
        started, timer = self._clock(), time.perf_counter()
        producer = await self._ensure()
        sent = []
        try:
            for key, value, partition in records:
                sent.append(await producer.send(topic, value=value, key=key, partition=partition))
        except KafkaError as e:
            self._failed(topic, "send", f"cannot send to Kafka: {e!r}")
            raise BrokerUnavailable(str(e)) from e
        try:
            acked = await asyncio.wait_for(asyncio.gather(*sent), self.timeout_s)
        except (TimeoutError, KafkaError) as e:
            self.health.failed(self._clock(), f"no acknowledgement from Kafka: {e!r}")
            PUBLISH.unacknowledged(topic, e)
            self._replace_if_stalled(producer, started)
            raise BrokerUnavailable(f"no acknowledgement from Kafka: {e!r}") from e
        self._last_ack = self._clock()
        self.health.acked(self._last_ack)
        PUBLISH.acknowledged(topic, time.perf_counter() - timer)
        return [md.offset for md in acked]

    async def close(self) -> None:
        """Send what is pending (bounded) and stop."""
        producer, self._producer = self._producer, None
        if producer is not None:
            await _stop(producer)
        for task in list(self._stopping):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _ensure(self) -> AIOKafkaProducer:
        # Started on first use: the ingress starts (and answers 503) while the broker is
        # down, and connects once it is back.
        if self._producer is not None:
            return self._producer
        async with self._lock:
            if self._producer is None:
                self._producer = await self._start()
                self._created_at = self._clock()
        return self._producer

    async def _start(self) -> AIOKafkaProducer:
        ms = int(self.timeout_s * 1000)
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=0,  # the callers gather a batch (ingest.heartbeat_batches)
            request_timeout_ms=max(ms, 1000),
            retry_backoff_ms=100,
        )
        try:
            await asyncio.wait_for(producer.start(), self.timeout_s)
        except (TimeoutError, KafkaError, OSError) as e:
            await _stop(producer)
            self._failed("", "send", f"cannot reach Kafka: {e!r}")
            raise BrokerUnavailable(f"cannot reach Kafka: {e!r}") from e
        return producer

    def _failed(self, topic: str, where: str, reason: str) -> None:
        self.health.failed(self._clock(), reason)
        if topic:
            PUBLISH.failed(topic, where)

    def _replace_if_stalled(self, producer: AIOKafkaProducer, started: float) -> None:
        if producer is not self._producer:
            return  # already replaced by a concurrent failure
        if self._last_ack is not None and self._last_ack >= started:
            return  # it acknowledged other records meanwhile: not stalled
        if started - self._created_at < self.timeout_s:
            return  # too young to judge
        log.warning("heartbeat producer acknowledged nothing for %.1f s; replacing it",
                    self._clock() - started)  # fmt: skip
        self._producer = None
        self.replacements += 1
        task = asyncio.get_running_loop().create_task(_stop(producer))
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)


async def _stop(producer: Any) -> None:
    """Stop a producer, failing what it still holds past STOP_TIMEOUT_S."""
    try:
        await asyncio.wait_for(producer.stop(), STOP_TIMEOUT_S)
    except Exception:  # a producer that never started, or one that cannot flush
        log.info("a heartbeat producer stopped without flushing", exc_info=True)
