"""A compacted topic held in memory: every key's latest value, read to the end, then followed.

The responder's replica of the workers' materialized state (the GlobalKTable pattern):
no consumer group, every partition assigned, read from the beginning. `ready` is set
once each partition's position has reached the end offset it had at the start; from
then on the replica follows the topic. A record without a value (a tombstone) removes
its key. `applied(partition)` is the next offset not yet applied, so a writer that
knows the offset of its record can wait until this replica shows it (`wait_applied`);
one that knows what its write changes waits until it shows (`wait_until`).

A thread polls the topic (kafka-python's consumer blocks); the event loop only reads
the dict and is woken once per applied batch, never per record.
"""

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

log = logging.getLogger(__name__)
V = TypeVar("V")
POLL_MS = 100
MAX_RECORDS = 5000


class Replica(Generic[V]):
    """`topic`'s latest value per key, decoded by `decode`."""

    def __init__(self, bootstrap: str, topic: str, decode: Callable[[bytes], V]) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.decode = decode
        self.ready = threading.Event()
        self._values: dict[str, V] = {}
        self._applied: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._progress: asyncio.Future[None] | None = None
        self._ends_lock = threading.Lock()
        self._ends_consumer: KafkaConsumer | None = None

    def get(self, key: str) -> V | None:
        """The key's latest value; None when it has none (never written, or removed)."""
        return self._values.get(key)

    def __len__(self) -> int:
        return len(self._values)

    def applied(self, partition: int) -> int:
        """The next offset of `partition` this replica has not applied yet."""
        return self._applied.get(partition, 0)

    def start(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Start following the topic; `loop` (if given) is woken by `wait_applied`."""
        self._loop = loop
        if loop is not None:
            self._progress = loop.create_future()
        self._thread = threading.Thread(target=self._run, name=f"replica-{self.topic}", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop following (the values stay readable)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        with self._ends_lock:
            if self._ends_consumer is not None:
                self._ends_consumer.close()
                self._ends_consumer = None

    async def wait_applied(self, partition: int, offset: int, timeout_s: float) -> bool:
        """Wait until the record at `offset` of `partition` is applied; False on timeout."""
        return await self.wait_until(lambda: self.applied(partition) > offset, timeout_s)

    async def wait_until(self, check: Callable[[], bool], timeout_s: float) -> bool:
        """Wait until `check()` holds, tried again after each batch applied; False on timeout."""
        deadline = time.monotonic() + timeout_s
        while not check():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._progress is None:
                return False
            try:
                await asyncio.wait_for(asyncio.shield(self._progress), remaining)
            except TimeoutError:
                return False
        return True

    async def catch_up(self, partition: int, timeout_s: float) -> bool:
        """Wait until every record now in `partition` is applied (read-your-writes).

        One round trip for the partition's end offset, then `wait_applied`; False when
        the end cannot be read or is not reached in time, or the replica is not running.
        """
        if self._thread is None:
            return False
        try:
            end = await asyncio.to_thread(self._end_offset, partition)
        except KafkaError as e:
            log.warning("end offset of %s[%d] unknown: %r", self.topic, partition, e)
            return False
        return end == 0 or await self.wait_applied(partition, end - 1, timeout_s)

    def _end_offset(self, partition: int) -> int:
        with self._ends_lock:  # a consumer of its own: the follower's is its thread's alone
            if self._ends_consumer is None:
                self._ends_consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
            tp = TopicPartition(self.topic, partition)
            end: int = self._ends_consumer.end_offsets([tp])[tp]
            return end

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except KafkaError as e:
                log.warning("replica of %s interrupted, starting again: %r", self.topic, e)
                self._stop.wait(1.0)

    def _follow(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=None, enable_auto_commit=False
        )
        try:
            tps = self._assign(consumer)
            ends = {tp.partition: off for tp, off in consumer.end_offsets(tps).items()}
            self._note_ready(ends)
            while not self._stop.is_set():
                batch = consumer.poll(timeout_ms=POLL_MS, max_records=MAX_RECORDS)
                self._apply(batch)
                # The position, not the last record: compaction and deleted tombstones
                # leave gaps, and the end offset may lie past the last record kept.
                moved = self._advance_to({tp.partition: consumer.position(tp) for tp in tps})
                if batch or moved:
                    self._wake()
                self._note_ready(ends)
        finally:
            consumer.close()

    def _assign(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        partitions = consumer.partitions_for_topic(self.topic)
        while not partitions and not self._stop.is_set():
            self._stop.wait(0.5)  # not created yet, or metadata not there yet
            partitions = consumer.partitions_for_topic(self.topic)
        tps = [TopicPartition(self.topic, p) for p in sorted(partitions or ())]
        consumer.assign(tps)
        # Resume where this replica was (a reconnect), else from the start.
        for tp in tps:
            if tp.partition in self._applied:
                consumer.seek(tp, self._applied[tp.partition])
            else:
                consumer.seek_to_beginning(tp)
        return tps

    def _apply(self, batch: dict[TopicPartition, list[Any]]) -> None:
        for records in batch.values():
            for record in records:
                key = record.key.decode() if record.key else ""
                if record.value is None:
                    self._values.pop(key, None)
                else:
                    self._values[key] = self.decode(record.value)

    def _advance_to(self, positions: dict[int, int | None]) -> bool:
        moved = False
        for partition, position in positions.items():
            if position is not None and position > self.applied(partition):
                self._applied[partition] = position
                moved = True
        return moved

    def _note_ready(self, ends: dict[int, int]) -> None:
        if not self.ready.is_set() and all(self.applied(p) >= e for p, e in ends.items()):
            self.ready.set()

    def _wake(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._advance)

    def _advance(self) -> None:
        """On the loop: release every waiter, and give the next ones a new future."""
        done, self._progress = self._progress, asyncio.get_running_loop().create_future()
        if done is not None and not done.done():
            done.set_result(None)
