"""Gauges the worker counts from its tables when Prometheus scrapes it.

Counts only, and only over the partitions this worker actively owns: a standby copy
of another worker's partitions is left out, so that sums over the workers are exact.
Every table key begins with the key it is partitioned by (`<clientId>/...`, a token's
hash, a username, an address); its partition is computed once and cached.
"""

from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from processors.app import Hub
from schemas import metric_names as names
from schemas.events import CommandState, Health
from schemas.pbx import SessionState
from schemas.topics import key_partition

Owned = Callable[[str], bool]


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


def _owned_items(table: Any, owned: Owned) -> Iterable[tuple[str, Any]]:
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
        owned = self.owned()
        return [
            _entries(self.entries(owned)),
            _profiles(self.profiles(owned)),
            _commands(self.commands(owned)),
            *self.pbx(owned),
        ]

    def owned(self) -> Owned:
        """Whether a key is in a partition this worker actively owns."""
        hub = self.hub
        topic, count = hub.names.heartbeats, hub.settings.partitions
        mine = {tp.partition for tp in hub.app.assignor.assigned_actives() if tp.topic == topic}
        if len(mine) == count:
            return _all  # one worker owns everything: no key need be looked at
        return lambda key: _partition(key, count) in mine

    def entries(self, owned: Owned) -> dict[str, int]:
        """Keys per table."""

        def count(table: Any) -> int:
            return len(table) if owned is _all else sum(1 for key in table if owned(key))

        return {name: count(table) for name, table in self.hub.app.tables.items()}

    def profiles(self, owned: Owned) -> dict[str, int]:
        """Profiles per health, every health named (0 when none)."""
        counts = dict.fromkeys(Health, 0)
        for _, health in _owned_items(self.hub.health, owned):
            for profile in health.profiles.values():
                counts[profile.health] += 1
        return {str(h): n for h, n in counts.items()}

    def commands(self, owned: Owned) -> dict[str, int]:
        """Commands per state, every state named."""
        counts = dict.fromkeys(CommandState, 0)
        for _, cc in _owned_items(self.hub.commands, owned):
            for record in cc.commands.values():
                counts[record.state] += 1
        return {str(s): n for s, n in counts.items()}

    def pbx(self, owned: Owned) -> list[GaugeMetricFamily]:
        """Sessions per state at the hub's clock, and the events queued for them."""
        now = self.hub.clock.now()
        counts, queued = dict.fromkeys(SessionState, 0), 0
        for _, rec in _owned_items(self.hub.pbxes, owned):
            for session in rec.sessions.values():
                counts[session.state(now)] += 1
                queued += len(session.queue)
        return [_sessions({str(s): n for s, n in counts.items()}), _backlog(queued)]
