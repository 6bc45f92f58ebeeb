"""End and committed offsets of the worker's source partitions, asked of the broker.

faust's `consumer.highwaters()` runs on the consumer thread and waits behind its
long-poll fetch (up to 1.5 s here); a group-less consumer and an admin client answer
in one round trip each, and neither ever joins (or disturbs) the workers' group.
"""

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

TPKey = tuple[str, int]


class Offsets:
    """Lazily connected; `close()` on shutdown."""

    def __init__(self, bootstrap: str, group_id: str) -> None:
        self.bootstrap = bootstrap
        self.group_id = group_id
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()

    async def _clients(self) -> tuple[AIOKafkaConsumer, AIOKafkaAdminClient]:
        async with self._lock:
            if self._consumer is None or self._admin is None:
                consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap)
                admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
                await consumer.start()
                await admin.start()
                self._consumer, self._admin = consumer, admin
            return self._consumer, self._admin

    async def ends(self, tps: list[TPKey]) -> dict[TPKey, int]:
        """The next offset to be written in each partition."""
        consumer, _ = await self._clients()
        found = await consumer.end_offsets([TopicPartition(t, p) for t, p in tps])
        return {(tp.topic, tp.partition): off for tp, off in found.items()}

    async def starts(self, tps: list[TPKey]) -> dict[TPKey, int]:
        """The first offset still held in each partition (retention moves it)."""
        consumer, _ = await self._clients()
        found = await consumer.beginning_offsets([TopicPartition(t, p) for t, p in tps])
        return {(tp.topic, tp.partition): off for tp, off in found.items()}

    async def committed(self, tp: TPKey) -> int:
        """The workers' committed offset (the next to process) of a partition; 0 if none."""
        return (await self.committed_many([tp]))[tp]

    async def committed_many(self, tps: list[TPKey]) -> dict[TPKey, int]:
        """The group's committed offsets of these partitions (0 where none), in one request."""
        _, admin = await self._clients()
        parts = [TopicPartition(*tp) for tp in tps]
        found = await admin.list_consumer_group_offsets(self.group_id, partitions=parts)
        return {(p.topic, p.partition): max(found[p].offset, 0) if p in found else 0 for p in parts}

    async def close(self) -> None:
        """Disconnect both clients."""
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()
        self._consumer = self._admin = None
