"""On rocksdb://, a read inside a stream finds a key stored under another partition.

A real faust app and table on a real RocksDB store (rocksdict) in a temporary data
dir; the current event is faust's own Event and Message, set as a stream sets it.
"""

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import faust
import pytest
from faust.events import Event
from faust.stores.rocksdb import Store
from faust.streams import _current_event
from faust.types import Message, TableT

from processors.runtime.rocksdb_store import RocksDBStore, Table


@pytest.fixture
def app(tmp_path: Path) -> faust.App:
    return faust.App("store-test", store="rocksdb://", datadir=str(tmp_path), Table=Table)


@contextmanager
def event_of_partition(app: faust.App, partition: int) -> Iterator[None]:
    """Code inside runs as a stream's handler of a record of `partition`."""
    message = Message("t", partition, 0, 0.0, 0, None, b"k", b"v", None)
    event = Event(app, b"k", b"v", None, message)
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def stored_in(table: TableT[str, str], partition: int, key: str, value: str) -> None:
    """Put `key` in the partition's database, as a write under its event does."""
    store = table.data
    assert isinstance(store, Store)
    store._db_for_partition(partition).put(store._encode_key(key), store._encode_value(value))


def test_tables_of_the_app_keep_rocksdb_data_in_the_hub_store(app: faust.App) -> None:
    assert isinstance(app.Table("names", key_type=str, value_type=str).data, RocksDBStore)


def test_a_key_of_another_partition_is_found_inside_a_stream(app: faust.App) -> None:
    table = app.Table("names", key_type=str, value_type=str)
    stored_in(table, 1, "alice", "a")
    with event_of_partition(app, 0):
        assert table.get("alice") == "a"
        assert "alice" in table
        assert table.get("bob") is None
        assert "bob" not in table


def test_faust_s_own_store_misses_it(tmp_path: Path) -> None:
    # Why the hub has its own store: faust reads only the current event's partition.
    app = faust.App("store-test", store="rocksdb://", datadir=str(tmp_path))
    table = app.Table("names", key_type=str, value_type=str)
    stored_in(table, 1, "alice", "a")
    with event_of_partition(app, 0):
        assert table.get("alice") is None


@pytest.mark.parametrize("store", ["memory://", "rocksdb://"])
def test_get_answers_the_value_or_the_default_without_a_key_error(
    tmp_path: Path, store: str
) -> None:
    app = faust.App("store-test", store=store, datadir=str(tmp_path), Table=Table)
    table = app.Table("names", key_type=str, value_type=str)
    if store == "memory://":
        table.data["alice"] = "a"
    else:
        stored_in(table, 0, "alice", "a")
    with event_of_partition(app, 0):
        assert table.get("alice") == "a"
        assert table.get("bob") is None
        assert table.get("bob", "none") == "none"
        assert table.get("alice", "none") == "a"


def test_get_own_reads_only_the_current_event_s_partition(app: faust.App) -> None:
    table = app.Table("names", key_type=str, value_type=str)
    assert isinstance(table, Table)
    stored_in(table, 1, "alice", "a")
    stored_in(table, 0, "carol", "c")
    with event_of_partition(app, 0):
        assert table.get_own("alice") is None  # of another partition: not looked for
        assert table.get_own("carol") == "c"
        assert table.get("alice") == "a"  # and a plain read afterwards still looks further


def test_get_own_on_memory_is_get(tmp_path: Path) -> None:
    app = faust.App("store-test", store="memory://", datadir=str(tmp_path), Table=Table)
    table = app.Table("names", key_type=str, value_type=str)
    assert isinstance(table, Table)
    table.data["alice"] = "a"
    with event_of_partition(app, 0):
        assert table.get_own("alice") == "a"
        assert table.get_own("bob", "none") == "none"
