"""Periods the hub could not hear heartbeats: its own outage is not the customers'.

While the broker is down the ingress refuses every heartbeat (503) and the worker
sweeps nothing; once it is back, every profile whose deadline fell in the outage
would be found late or down, though its client kept trying all along. So a partition
whose sweeps stopped for more than `BLIND_AFTER_S` (the ticks come through the broker,
one a second) had a blind period, from its last sweep to the next, as this worker's
clock tells them. A profile heard within its interval before such a period began
counts its deadlines from the period's end (`processors.relay.profile_health`): its
client gets one interval to be heard again before it is late.

The worker cannot tell an outage of the broker from a stall of its own (a pause, a
CPU starved for seconds): after a stall, a profile truly silent is alerted up to one
interval later than otherwise, never not at all. A worker restarted, or given the
partition by a rebalance, knows no blind period of it (the heartbeats sent meanwhile
wait in Kafka then, and `processors.relay.lag` judges up to them); one kept through a
rebalance keeps them. While a partition's sweeps are stopped, its open period counts
too: the heartbeats folded after an outage, before its first sweep, judge the other
profiles of their customers. Process-local, the last `KEEP` periods of each partition.
"""

import time
from collections import deque
from datetime import datetime

from processors.app import Hub
from schemas.topics import partition_for

BLIND_AFTER_S = 5.0
"""A gap between a partition's sweeps longer than this is a blind period (sweeps come
every `HUB_SWEEP_INTERVAL_S`, one second by default)."""
KEEP = 8

Period = tuple[datetime, datetime]


def note_sweep(hub: Hub, partition: int) -> None:
    """The partition is swept now; a long gap since its last sweep was a blind period."""
    mono, at = time.monotonic(), hub.clock.now()
    last = hub.swept.get(partition)
    hub.swept[partition] = (mono, at)
    if last is not None and mono - last[0] > BLIND_AFTER_S and at > last[1]:
        hub.blind.setdefault(partition, deque(maxlen=KEEP)).append((last[1], at))


def periods(hub: Hub, client_id: str) -> tuple[Period, ...]:
    """The blind periods of the client's partition, oldest first; while its sweeps are
    stopped now (a heartbeat folded before the first sweep after an outage), the open
    one, from its last sweep until now."""
    part = partition_for(client_id, hub.settings.partitions)
    found = tuple(hub.blind.get(part, ()))
    last = hub.swept.get(part)
    if last is not None and time.monotonic() - last[0] > BLIND_AFTER_S:
        found += ((last[1], hub.clock.now()),)
    return found


def keep_only(hub: Hub, partitions: set[int]) -> None:
    """This worker now owns these partitions: the sweeps and blind periods of the others
    are forgotten (regained later, a partition is judged by `processors.relay.lag`, not
    as if this worker had been blind to it all the while)."""
    for part in set(hub.swept) - partitions:
        del hub.swept[part]
    for part in set(hub.blind) - partitions:
        del hub.blind[part]
