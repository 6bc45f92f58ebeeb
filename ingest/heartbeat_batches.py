"""Publish heartbeats in batches: one produce round trip and one wake-up per batch.

Each heartbeat waits for its own batch: a batch is sent once `max_records` have
gathered or `linger_s` after its first record, whichever comes first, and every
heartbeat of it is answered when the broker has acknowledged them all (acks=all, the
idempotent producer), or refused (BrokerUnavailable) when the batch failed: a failed
batch answers 503 to its own heartbeats and to nothing else.

The heartbeats of a batch bound for the same partition are written as one record
(`schemas.heartbeat_records`): each heartbeat learns its sequence number, its record's
offset and its place in it.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from ingest.errors import BrokerUnavailable
from ingest.publisher import Record
from schemas import heartbeat_records

Waiting = tuple[tuple[bytes, bytes, int], "asyncio.Future[int]"]  # key, value, partition


class PublishesMany(Protocol):
    """What publishes a batch: `ingest.heartbeat_producer.HeartbeatProducer`."""

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        """Each record's offset once all are acknowledged; BrokerUnavailable if not."""
        ...


@dataclass
class HeartbeatBatches:
    """Gathers heartbeat records and publishes them a batch at a time."""

    publisher: PublishesMany
    topic: str
    linger_s: float = 0.002
    max_records: int = 500
    _pending: list[Waiting] = field(default_factory=list)
    _timer: asyncio.TimerHandle | None = None
    _sending: set["asyncio.Task[None]"] = field(default_factory=set)

    async def publish(self, key: bytes, value: bytes, partition: int) -> int:
        """The heartbeat's sequence number (`heartbeat_records.seq`), once its batch is
        acknowledged; BrokerUnavailable if not."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int] = loop.create_future()
        self._pending.append(((key, value, partition), done))
        if len(self._pending) >= self.max_records:
            self._flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.linger_s, self._flush)
        return await done

    def _flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._pending = self._pending, []
        if batch:
            task = asyncio.get_running_loop().create_task(self._send(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[Waiting]) -> None:
        records, placed = _records(batch)
        try:
            offsets = await self.publisher.publish_many(self.topic, records)
        except Exception as e:  # BrokerUnavailable, or anything else: never leave one waiting
            refused = e if isinstance(e, BrokerUnavailable) else BrokerUnavailable(repr(e))
            for _, done in batch:
                if not done.done():
                    done.set_exception(refused)
            return
        for indexes, offset in zip(placed, offsets, strict=True):
            for position, i in enumerate(indexes):
                done = batch[i][1]
                if not done.done():
                    done.set_result(heartbeat_records.seq(offset, position))


def _records(batch: list[Waiting]) -> tuple[list[Record], list[list[int]]]:
    """One record per partition (and size limit) of the batch, keyed by its first
    heartbeat's key; and the batch indexes each one holds, in order."""
    records: list[Record] = []
    placed: list[list[int]] = []
    values = [(value, partition) for (_, value, partition), _ in batch]
    for partition, indexes in heartbeat_records.grouped(values):
        key = batch[indexes[0]][0][0]
        records.append((key, heartbeat_records.encode([values[i][0] for i in indexes]), partition))
        placed.append(indexes)
    return records, placed
