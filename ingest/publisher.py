"""Publish records to Kafka with kafka-python, awaiting the broker's acknowledgement."""

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from ingest import producer_fix
from ingest.errors import BrokerUnavailable
from ingest.metrics import PUBLISH
from ingest.write_health import WriteHealth

log = logging.getLogger(__name__)
producer_fix.apply()
Record = tuple[bytes, bytes, int | None]  # key, value, partition (None: by key)


@dataclass(frozen=True, slots=True)
class Ack:
    """Where the broker stored a record."""

    topic: str
    partition: int
    offset: int


class Publisher:
    """acks=all, idempotent producer; raises BrokerUnavailable on error, returns the Ack.

    A producer that stops completing sends (no acknowledgement at all since a send
    that timed out) is replaced by a fresh one, and the old one is force-closed so
    that its pending records fail instead of leaving anyone waiting. Idempotence holds
    within each producer; a record of a replaced producer was never acknowledged to
    its caller (it was answered 503), so a retry of it is the caller's own.
    """

    def __init__(
        self,
        bootstrap: str,
        timeout_s: float,
        *,
        stale_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.timeout_s = timeout_s
        self._bootstrap = bootstrap.split(",")
        self._clock = clock
        self.health = WriteHealth(stale_s=stale_s, started=clock())
        self._producer: Any = None
        self._created_at = 0.0
        self._last_replaced = float("-inf")
        self.replacements = 0
        self._lock = asyncio.Lock()
        self._known: set[str] = set()
        self._closing: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        """The publisher's clock (monotonic seconds), as its health uses it."""
        return self._clock()

    def _create(self) -> Any:
        ms = int(self.timeout_s * 1000)
        return KafkaProducer(
            bootstrap_servers=self._bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=1,
            request_timeout_ms=max(ms - 500, 1000),
            delivery_timeout_ms=ms + 1000,
            max_block_ms=ms,
            reconnect_backoff_max_ms=1000,
            # The first connection is bounded like a send (the default, 30 s, held a
            # write answered 503 while the broker was down for that long).
            bootstrap_timeout_ms=ms,
        )

    async def _ensure(self) -> Any:
        # Created on first use, off the loop: the ingress starts (and answers 503) even
        # while the broker is down, and connects once it is back.
        if self._producer is not None:
            return self._producer
        async with self._lock:
            if self._producer is None:
                try:
                    self._producer = await asyncio.to_thread(self._create)
                except KafkaError as e:
                    raise BrokerUnavailable(f"cannot reach Kafka: {e!r}") from e
                self._created_at = self._clock()
        return self._producer

    async def warm(self, topics: list[str]) -> dict[str, int]:
        """Fetch metadata so that sending never blocks the loop; returns partition counts."""
        producer = await self._ensure()
        counts = {}
        for t in topics:
            try:
                parts = await asyncio.to_thread(producer.partitions_for, t)
            except KafkaError as e:
                raise BrokerUnavailable(f"no metadata for {t}: {e!r}") from e
            counts[t] = len(parts or ())
            self._known.add(t)
        return counts

    async def publish(
        self, topic: str, key: bytes, value: bytes, partition: int | None = None
    ) -> Ack:
        """Send one record and wait until every in-sync replica has it."""
        [md] = await self._deliver(topic, [(key, value, partition)])
        return Ack(md.topic, md.partition, md.offset)

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        """Send records of one topic and wait until every in-sync replica has them all.

        One wake-up of the event loop for the whole batch (the last acknowledgement, or
        the first failure), not one per record: the bulk paths' way to publish. Returns
        each record's offset, in order.
        """
        if not records:
            return []
        return [md.offset for md in await self._deliver(topic, records)]

    async def _deliver(self, topic: str, records: Sequence[Record]) -> list[Any]:
        """Send every record, await every acknowledgement; each record's metadata."""
        started, timer = self._clock(), time.perf_counter()
        done = _AllAcked(asyncio.get_running_loop(), len(records))
        try:
            producer = await self._ensure()
            (await self._send(producer, topic, *records[0])).add_both(done.one, 0)
            for i, (key, value, partition) in enumerate(records[1:], start=1):
                sent = producer.send(topic, key=key, value=value, partition=partition)
                sent.add_both(done.one, i)
        except (KafkaError, BrokerUnavailable) as e:
            self.health.failed(self._clock(), f"cannot send to Kafka: {e!r}")
            PUBLISH.failed(topic, "send")
            raise BrokerUnavailable(str(e)) from e
        try:
            mds: list[Any] = await asyncio.wait_for(done.future, self.timeout_s)
        except (TimeoutError, KafkaError) as e:
            self.health.failed(self._clock(), f"no acknowledgement from Kafka: {e!r}")
            PUBLISH.unacknowledged(topic, e)
            self._replace_if_stalled(producer, started)
            raise BrokerUnavailable(f"no acknowledgement from Kafka: {e!r}") from e
        self.health.acked(self._clock())
        PUBLISH.acknowledged(topic, time.perf_counter() - timer)
        return mds

    async def _send(
        self, producer: Any, topic: str, key: bytes, value: bytes, partition: int | None
    ) -> Any:
        if topic in self._known:
            return producer.send(topic, key=key, value=value, partition=partition)
        # Unknown topic: send() may block on metadata, so keep it off the event loop.
        kf = await asyncio.to_thread(
            producer.send, topic, key=key, value=value, partition=partition
        )
        self._known.add(topic)
        return kf

    def _replace_if_stalled(self, producer: Any, started: float) -> None:
        now = self._clock()
        if producer is not self._producer:
            return  # already replaced by a concurrent failure
        if self.health.last_ack is not None and self.health.last_ack >= started:
            return  # it acknowledged other records meanwhile: not stalled
        young = started - self._created_at < self.timeout_s
        if young or now - self._last_replaced < self.timeout_s:
            return  # too young to judge, or replaced a moment ago
        log.warning("Kafka producer acknowledged nothing for %.1f s; replacing it", now - started)
        self._producer = None
        self._known.clear()
        self._last_replaced = now
        self.replacements += 1
        task = asyncio.get_running_loop().create_task(_force_close(producer))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def close(self) -> None:
        """Flush what is pending and stop the I/O thread."""
        if self._producer is not None:
            producer_fix.close_producer(self._producer, self.timeout_s)


async def _force_close(producer: Any) -> None:
    # No grace: its incomplete batches are aborted, failing their futures at once.
    try:
        await asyncio.to_thread(producer_fix.close_producer, producer, 0.0)
    except Exception:
        log.exception("closing a replaced Kafka producer failed")


def _settle(fut: "asyncio.Future[Any]", md: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(md)


class _AllAcked:
    """Counts a batch's acknowledgements on the producer's thread; settles its future once,
    with every record's metadata (in order) or the first failure."""

    def __init__(self, loop: asyncio.AbstractEventLoop, count: int) -> None:
        self.future: asyncio.Future[Any] = loop.create_future()
        self._loop = loop
        self._left = count
        self._results: list[Any] = [None] * count
        self._lock = threading.Lock()
        self._settled = False

    def one(self, index: int, outcome: Any) -> None:
        """Record `index`'s outcome: its metadata, or the exception that failed it."""
        with self._lock:
            if self._settled:
                return
            self._results[index] = outcome
            self._left -= 1
            failed = isinstance(outcome, BaseException)
            if not (failed or self._left == 0):
                return
            self._settled = True
        if failed:
            self._loop.call_soon_threadsafe(_settle, self.future, None, outcome)
        else:
            self._loop.call_soon_threadsafe(_settle, self.future, self._results, None)
