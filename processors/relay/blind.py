"""Periods the hub could not hear heartbeats: its own outage is not the customers'.

While the broker is down the ingress refuses every heartbeat (503) and the worker
sweeps nothing; once it is back, every profile whose deadline fell in the outage
would be found late or down, though its client kept trying all along. So a partition
whose sweeps stopped for more than `BLIND_AFTER_S` (the ticks come through the broker,
one a second) had a blind period, from its last sweep to the next, as this worker's
clock tells them, kept in the `blind-periods` table (the last `KEEP` of each partition,
keyed by its number), so that a worker restarted after the outage, or the next owner of
the partition, knows them too. A profile heard within its interval before such a period began
counts its deadlines from the period's end (`processors.relay.profile_health`): its
client gets one interval to be heard again before it is late.

The worker cannot tell an outage of the broker from a stall of its own (a pause, a
CPU starved for seconds): after a stall, a profile truly silent is alerted up to one
interval later than otherwise, never not at all. The gap is measured within one
worker's life: a worker's own restart is not a blind period (the heartbeats sent
meanwhile wait in Kafka, and `processors.relay.lag` judges up to them), and an outage
that outlasts the worker that saw it begin is not seen. While a partition's sweeps are
stopped, its open period counts too: the heartbeats folded after an outage, before its
first sweep, judge the other profiles of their customers.
"""

import logging
import time
from datetime import datetime

from processors.app import Hub
from schemas.blind import BlindPeriods
from schemas.topics import partition_for

log = logging.getLogger(__name__)

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
        kept: BlindPeriods = hub.blind_periods.get(str(partition)) or BlindPeriods()
        periods = [*kept.periods, (last[1], at)][-KEEP:]
        hub.blind_periods[str(partition)] = BlindPeriods(periods=periods)
        log.warning(
            "partition %d was not swept for %.1f s (%s to %s): deadlines in it count from its end",
            partition, mono - last[0], last[1].isoformat(), at.isoformat(),
        )  # fmt: skip


def periods(hub: Hub, client_id: str) -> tuple[Period, ...]:
    """The blind periods of the client's partition, oldest first; while its sweeps are
    stopped now (a heartbeat folded before the first sweep after an outage), the open
    one, from its last sweep until now."""
    part = partition_for(client_id, hub.settings.partitions)
    kept: BlindPeriods | None = hub.blind_periods.get(str(part))
    found = tuple(kept.periods) if kept is not None else ()
    last = hub.swept.get(part)
    if last is not None and time.monotonic() - last[0] > BLIND_AFTER_S:
        found += ((last[1], hub.clock.now()),)
    return found


def keep_only(hub: Hub, partitions: set[int]) -> None:
    """This worker now owns these partitions: its last sweeps of the others are forgotten
    (regained later, a partition is not taken as blind all the while it was away)."""
    for part in set(hub.swept) - partitions:
        del hub.swept[part]
