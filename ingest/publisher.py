"""Publish records to Kafka with kafka-python, awaiting the broker's acknowledgement."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from ingest.errors import BrokerUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ack:
    """Where the broker stored a record."""

    topic: str
    partition: int
    offset: int


class Publisher:
    """acks=all, idempotent producer; raises BrokerUnavailable on error, returns the Ack."""

    def __init__(self, bootstrap: str, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._bootstrap = bootstrap.split(",")
        self._producer: Any = None
        self._lock = asyncio.Lock()
        self._known: set[str] = set()

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
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[Any] = loop.create_future()
        try:
            producer = await self._ensure()
            kf = await self._send(producer, topic, key, value, partition)
        except KafkaError as e:
            raise BrokerUnavailable(str(e)) from e
        kf.add_callback(lambda md: loop.call_soon_threadsafe(_settle, fut, md, None))
        kf.add_errback(lambda exc: loop.call_soon_threadsafe(_settle, fut, None, exc))
        try:
            md = await asyncio.wait_for(fut, self.timeout_s)
        except (TimeoutError, KafkaError) as e:
            raise BrokerUnavailable(f"no acknowledgement from Kafka: {e!r}") from e
        return Ack(md.topic, md.partition, md.offset)

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

    def close(self) -> None:
        """Flush what is pending and stop the I/O thread."""
        if self._producer is not None:
            self._producer.close(timeout=self.timeout_s)


def _settle(fut: "asyncio.Future[Any]", md: Any, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(md)
