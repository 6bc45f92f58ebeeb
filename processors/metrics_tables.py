"""Gauges the worker counts from its tables when Prometheus scrapes it.

Counts only, and only over the partitions this worker actively owns: a standby copy
of another worker's partitions is left out, so that sums over the workers are exact.
A scrape walks no table of customers: profiles by health and commands by state come
from the tallies their tables keep as they are written (processors.runtime.tally), and the
keys of a table from its tally or RocksDB's estimate. The PBX gauges walk the PBXes
(far fewer than customers). Every table key begins with the key it is partitioned by
(`<clientId>/...`, a token's hash, a username, an address); its partition is computed
once and cached.
"""

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import TypeVar

from faust.stores.rocksdb import Store as RocksDBStore
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from processors.app import Hub
from processors.runtime.indexed_table import IndexedTable
from processors.runtime.tally import Tally
from schemas import metric_names as names
from schemas.events import CommandState, Health
from schemas.pbx import SessionState
from schemas.topics import key_partition

Owned = Callable[[str], bool]
V = TypeVar("V")


def _all(key: str) -> bool:
    return True


_partition = lru_cache(maxsize=1 << 16)(key_partition)


def _gauge(name: str, doc: str, label: str, counts: Mapping[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=(label,))
    for value, count in counts.items():
        family.add_metric((value,), count)
    return family


def _entries(counts: Mapping[str, int]) -> GaugeMetricFamily:
    doc = "Keys of each table in the partitions this worker actively owns."
    return _gauge(names.TABLE_ENTRIES, doc, "table", counts)


def _profiles(counts: Mapping[str, int]) -> GaugeMetricFamily:
    return _gauge(names.PROFILES, "Profiles by health.", "health", counts)


def _commands(counts: Mapping[str, int]) -> GaugeMetricFamily:
    doc = "Commands by state; finished ones until they are forgotten."
    return _gauge(names.COMMANDS, doc, "state", counts)


def _sessions(counts: Mapping[str, int]) -> GaugeMetricFamily:
    doc = "PBX API sessions by state; ended ones until they are forgotten."
    return _gauge(names.PBX_SESSIONS, doc, "state", counts)


def _backlog(queued: int) -> GaugeMetricFamily:
    doc = "PBX events queued for sessions and not yet delivered."
    return GaugeMetricFamily(names.PBX_DELIVERY_BACKLOG, doc, value=queued)


def _every(labels: Iterable[object], counts: Mapping[str, int]) -> dict[str, int]:
    return {str(label): counts.get(str(label), 0) for label in labels}


def _estimated_keys(store: RocksDBStore, mine: set[int]) -> int:
    """RocksDB's estimate of the keys of `mine` (faust's offset key left out)."""
    total = 0
    for partition in mine:
        db = store._dbs.get(partition)
        if db is not None:
            total += max(0, int(db.property_int_value("rocksdb.estimate-num-keys") or 0) - 1)
    return total


def _owned_items(table: Mapping[str, V], owned: Owned) -> Iterable[tuple[str, V]]:
    return ((k, v) for k, v in table.items() if owned(k))


class TableCollector:
    """Table entries, profiles by health, commands by state, PBX sessions and backlog."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def describe(self) -> Iterable[Metric]:
        """The families without samples, for the registry's duplicate check."""
        return [_entries({}), _profiles({}), _commands({}), _sessions({}), _backlog(0)]

    def collect(self) -> Iterable[Metric]:
        """Count now."""
        mine = self.mine()
        return [
            _entries(self.entries(mine)),
            _profiles(self.profiles(mine)),
            _commands(self.commands(mine)),
            *self.pbx(self.owned(mine)),
        ]

    def mine(self) -> set[int]:
        """The partitions this worker actively owns."""
        topic = self.hub.names.heartbeats
        return {
            tp.partition for tp in self.hub.app.assignor.assigned_actives() if tp.topic == topic
        }

    def owned(self, mine: set[int]) -> Owned:
        """Whether a key is in one of `mine`."""
        count = self.hub.settings.partitions
        if len(mine) == count:
            return _all  # one worker owns everything: no key need be looked at
        return lambda key: _partition(key, count) in mine

    def entries(self, mine: set[int]) -> dict[str, int]:
        """Keys per table: counted by the tables that keep a tally, estimated by RocksDB
        for the others; only the memory store, on a worker not owning every partition,
        is walked."""
        owned = self.owned(mine)

        def count(table: object) -> int:  # a faust table, or a test's dict
            tally = getattr(table, "tally", None)
            if isinstance(tally, Tally):
                return tally.keys(mine)
            data = getattr(table, "data", None)
            if isinstance(data, RocksDBStore):
                return _estimated_keys(data, mine)
            if not isinstance(table, Mapping):
                raise TypeError(f"{table!r} holds no keys to count")
            return len(table) if owned is _all else sum(1 for key in table if owned(key))

        return {name: count(table) for name, table in self.hub.app.tables.items()}

    def profiles(self, mine: set[int]) -> dict[str, int]:
        """Profiles per health, every health named (0 when none)."""
        return _every(Health, _tally(self.hub.health).counts(mine))

    def commands(self, mine: set[int]) -> dict[str, int]:
        """Commands per state, every state named."""
        return _every(CommandState, _tally(self.hub.commands).counts(mine))

    def pbx(self, owned: Owned) -> list[GaugeMetricFamily]:
        """Sessions per state at the hub's clock, and the events queued for them."""
        now = self.hub.clock.now()
        counts, queued = dict.fromkeys(SessionState, 0), 0
        for _, rec in _owned_items(self.hub.pbxes, owned):
            for session in rec.sessions.values():
                counts[session.state(now)] += 1
                queued += len(session.queue)
        return [_sessions({str(s): n for s, n in counts.items()}), _backlog(queued)]


def _tally(table: IndexedTable[V]) -> Tally[V]:
    """The tally of a table declared with one (`processors.app`)."""
    if table.tally is None:
        raise RuntimeError(f"table {table.name} keeps no tally")
    return table.tally
