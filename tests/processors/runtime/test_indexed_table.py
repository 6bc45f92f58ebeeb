"""IndexedTable on rocksdb://: the end of recovery indexes what faust's store holds on disk.

A real faust table on a real RocksDB store (rocksdict) in a temporary data dir; the
records are put in its per-partition databases as faust's own recovery writes them.
"""

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import faust
import pytest
from faust.stores.rocksdb import Store as RocksDBStore
from faust.types import TP
from pydantic import BaseModel

from processors.runtime.codec import table_value_type
from processors.runtime.indexed_table import REBUILD_CHUNK, IndexedTable

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Deadline(BaseModel):
    """A value whose wake time is `at`."""

    at: datetime | None


@pytest.fixture
def table(tmp_path: Path) -> IndexedTable[Deadline]:
    app = faust.App("indexed-test", store="rocksdb://", datadir=str(tmp_path), autodiscover=False)
    return IndexedTable(
        app, wake=lambda v: v.at, name="deadlines", key_type=str,
        value_type=table_value_type(Deadline),
    )  # fmt: skip


def on_disk(
    table: IndexedTable[Deadline], partition: int, values: Mapping[str, datetime | None]
) -> None:
    """Keys in the partition's database and a persisted offset, as recovery leaves them."""
    store = table.data
    assert isinstance(store, RocksDBStore)
    db = store._db_for_partition(partition)
    for key, at in values.items():
        db.put(store._encode_key(key), store._encode_value(Deadline(at=at)))
    store.set_persisted_offset(tp(table, partition), 41)


def tp(table: IndexedTable[Deadline], partition: int) -> TP:
    return TP(table.changelog_topic.get_topic_name(), partition)


async def test_keys_on_disk_of_active_partitions_are_indexed_at_the_end_of_recovery(
    table: IndexedTable[Deadline],
) -> None:
    on_disk(table, 0, {"a": T0, "b": T0 + timedelta(seconds=60), "never": None})
    on_disk(table, 1, {"c": T0})
    await table.on_recovery_completed({tp(table, 0)}, {tp(table, 1)})
    assert table.due.size(0) == 2  # "never" has no due time; the offset key is no key
    assert table.due.pop_due(0, T0) == ["a"]
    assert table.due.pop_due(0, T0 + timedelta(seconds=60)) == ["b"]
    assert table.due.size(1) == 0  # a standby is not swept


async def test_a_standby_promoted_to_active_is_indexed_from_disk(
    table: IndexedTable[Deadline],
) -> None:
    on_disk(table, 0, {"a": T0})
    on_disk(table, 1, {"c": T0})
    await table.on_recovery_completed({tp(table, 0)}, {tp(table, 1)})
    await table.on_recovery_completed({tp(table, 0), tp(table, 1)}, set())
    assert table.due.pop_due(1, T0) == ["c"]


async def test_a_partition_indexed_in_full_is_not_read_again(table: IndexedTable[Deadline]) -> None:
    on_disk(table, 0, {"a": T0})
    await table.on_recovery_completed({tp(table, 0)}, set())
    assert table.due.pop_due(0, T0) == ["a"]
    # The sweep looked at "a" and put it off; a later rebalance keeping the partition
    # must not make it due again at once.
    table.due.schedule(0, "a", (T0 + timedelta(seconds=1)).timestamp())
    await table.on_recovery_completed({tp(table, 0)}, set())
    assert table.due.pop_due(0, T0) == []


async def test_a_partition_lost_and_assigned_again_is_read_again(
    table: IndexedTable[Deadline],
) -> None:
    on_disk(table, 0, {"a": T0})
    await table.on_recovery_completed({tp(table, 0)}, set())
    await table.on_rebalance(set(), {tp(table, 0)}, set())
    assert table.due.size(0) == 0
    await table.on_recovery_completed({tp(table, 0)}, set())
    assert table.due.pop_due(0, T0) == ["a"]


async def test_a_rebuild_overtaken_by_a_rebalance_is_finished_by_the_next_recovery(
    table: IndexedTable[Deadline],
) -> None:
    keys = {f"k{i:05}": T0 for i in range(3 * REBUILD_CHUNK)}
    on_disk(table, 0, keys)
    rebuild = asyncio.create_task(table.on_recovery_completed({tp(table, 0)}, set()))
    for _ in range(1000):  # until the rebuild yields after its first chunk
        if table.due.size(0):
            break
        await asyncio.sleep(0)
    # A rebalance (keeping the partition) arrives meanwhile: the rebuild stops short.
    await table.on_rebalance({tp(table, 0)}, set(), set())
    await rebuild
    assert 0 < table.due.size(0) < len(keys)
    await table.on_recovery_completed({tp(table, 0)}, set())
    assert sorted(table.due.pop_due(0, T0)) == sorted(keys)
