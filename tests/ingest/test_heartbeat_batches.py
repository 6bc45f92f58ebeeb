"""Heartbeat batches: one record per partition, a sequence number per heartbeat, and a
failed batch refusing its own heartbeats only (in process: the publisher is the seam)."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from ingest.errors import BrokerUnavailable
from ingest.heartbeat_batches import HeartbeatBatches
from ingest.publisher import Record
from schemas import heartbeat_records


@dataclass
class Recording:
    """Keeps what it was asked to publish; gives offsets from 100 up, or fails once."""

    fail_next: bool = False
    sent: list[list[Record]] = field(default_factory=list)

    async def publish_many(self, topic: str, records: Sequence[Record]) -> list[int]:
        await asyncio.sleep(0)
        if self.fail_next:
            self.fail_next = False
            raise BrokerUnavailable("refused")
        first = 100 + sum(len(r) for r in self.sent)
        self.sent.append(list(records))
        return [first + i for i in range(len(records))]


async def test_a_batch_s_heartbeats_of_one_partition_are_one_record_in_order() -> None:
    publisher = Recording()
    batches = HeartbeatBatches(publisher, "hb", linger_s=0.01, max_records=10)
    beats = [(b"a", b'{"n":0}', 1), (b"b", b'{"n":1}', 0), (b"c", b'{"n":2}', 1)]
    seqs = await asyncio.gather(*(batches.publish(*beat) for beat in beats))
    [records] = publisher.sent
    assert sorted(records, key=lambda r: r[2] or 0) == [
        (b"b", b'[{"n":1}]', 0),
        (b"a", b'[{"n":0},{"n":2}]', 1),
    ]
    offset_of = {r[2]: 100 + i for i, r in enumerate(records)}
    assert seqs == [
        heartbeat_records.seq(offset_of[1], 0),
        heartbeat_records.seq(offset_of[0], 0),
        heartbeat_records.seq(offset_of[1], 1),
    ]


async def test_a_failed_batch_refuses_its_own_heartbeats_and_nothing_else() -> None:
    publisher = Recording(fail_next=True)
    batches = HeartbeatBatches(publisher, "hb", linger_s=0.001, max_records=2)
    first = [asyncio.ensure_future(batches.publish(b"k", b"{}", 0)) for _ in range(2)]
    later = asyncio.ensure_future(batches.publish(b"k", b"{}", 0))
    for refused in first:
        with pytest.raises(BrokerUnavailable):
            await refused
    assert await later == heartbeat_records.seq(100, 0)
