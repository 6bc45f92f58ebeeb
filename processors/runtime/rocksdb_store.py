"""faust's RocksDB store, made to find a key whatever the current event's partition.

faust's store keeps one RocksDB database per partition and, inside a stream, reads a
key only from the database of the current event's partition. The hub also reads, inside
a stream, keys of other partitions: a fold of a batch spanning partitions reads before
it sets each record's event (`processors.pbx.work`), deliveries and upstream calls are
kicked for a whole batch after it, an outbox is cleared after the batch's end. The
memory store answers those from its one dict; faust's RocksDB store answered "none",
so a PBX user added in such a batch was never added to its PBX and logins failed. This
store answers as the memory store does: the current event's database first (faust's
fast path), then, on a miss, the key's own database (faust's key index, else every open
database, by bloom filter). Writes are unchanged: they go, with their changelog record,
to the current event's partition.
"""

from typing import TypeVar

import faust
from faust.stores.rocksdb import Store
from faust.streams import current_event
from faust.types import StoreT
from yarl import URL

from processors.runtime.codec import encoded_once

K = TypeVar("K")
V = TypeVar("V")


class RocksDBStore(Store):
    """faust's RocksDB store; a read missing in the current event's partition looks further,
    unless the reader says the key is of that partition (`Table.get_own`)."""

    own_only = False

    def _get(self, key: bytes) -> bytes | None:
        value: bytes | None = super()._get(key)
        if value is None and not self.own_only and current_event() is not None:
            found = self._get_bucket_for_key(key)
            value = None if found is None else found.value
        return value

    def _contains(self, key: bytes) -> bool:
        if super()._contains(key):
            return True
        if self.own_only or current_event() is None:
            return False
        return self._get_bucket_for_key(key) is not None


class Table(faust.Table[K, V]):
    """A faust table that keeps `rocksdb://` data in a RocksDBStore (the app's `Table`).

    Its `get` asks the store whether the key is there instead of catching a KeyError:
    faust's (the generic `Mapping.get`) raises one through three layers for every key
    missing, and many reads on the fold's path miss (a customer with no commands, say).
    Measured in process: a miss 0.85 µs through faust's, 0.12 µs here; a hit 0.43 and
    0.26 µs. The tables have no default factory, so both answer `default` for a missing
    key.
    """

    def __setitem__(self, key: K, value: V) -> None:
        with encoded_once(value):  # for the store, then again for the changelog record
            super().__setitem__(key, value)

    def get(self, key: K, default: V | None = None) -> V | None:  # type: ignore[override]
        """The key's value, or `default` when the table does not hold it."""
        store = self.data
        if key not in store:
            return default
        self.on_key_get(key)
        value: V = store[key]
        return value

    def get_own(self, key: K, default: V | None = None) -> V | None:
        """`get` for a key of the current event's partition (a client's key in the fold of
        its own records): a miss is not looked for in every other partition's database,
        which is most of the cost of a miss (a customer imported for the first time)."""
        store = self.data
        if not isinstance(store, RocksDBStore):
            return self.get(key, default)
        store.own_only = True
        try:
            return self.get(key, default)
        finally:
            store.own_only = False

    def _new_store_by_url(self, url: str | URL) -> StoreT[K, V]:
        if URL(str(url)).scheme != "rocksdb":
            return super()._new_store_by_url(url)
        # The arguments faust's Collection._new_store_by_url passes to its store class.
        return RocksDBStore(
            url, self.app, self, table_name=self.name, key_type=self.key_type,
            key_serializer=self.key_serializer, value_serializer=self.value_serializer,
            value_type=self.value_type, loop=self.loop, options=self.options,
        )  # fmt: skip
