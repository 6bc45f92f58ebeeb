"""End offsets of the worker's source partitions, from a consumer of their own.

faust's `consumer.highwaters()` runs on the consumer thread and waits behind its
long-poll fetch (up to 1.5 s here); a separate group-less consumer answers in one
ListOffsets round trip.
"""

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition


class EndOffsets:
    """Lazily started; `close()` on shutdown."""

    def __init__(self, bootstrap: str, group_id: str) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self._consumer: AIOKafkaConsumer | None = None
        self._lock = asyncio.Lock()

    async def _ensure(self) -> AIOKafkaConsumer:
        async with self._lock:
            if self._consumer is None:
                consumer = AIOKafkaConsumer(
                    bootstrap_servers=self.bootstrap,
                    group_id=self.group_id,
                    enable_auto_commit=False,
                )
                await consumer.start()
                self._consumer = consumer
        return self._consumer

    async def get(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        """The next offset to be written in each partition."""
        consumer = await self._ensure()
        ends = await consumer.end_offsets([TopicPartition(t, p) for t, p in tps])
        return {(tp.topic, tp.partition): off for tp, off in ends.items()}

    async def committed(self, tp: tuple[str, int]) -> int:
        """The workers' committed offset (the next to process) of a partition; 0 if none.

        Never joins the group: an OffsetFetch only, so it cannot cause a rebalance.
        """
        consumer = await self._ensure()
        offset = await consumer.committed(TopicPartition(*tp))
        return offset or 0

    async def close(self) -> None:
        """Stop the consumer."""
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
