"""Consumer lag of a faust app's group, measured against the broker every few seconds.

Asked of the broker (end offsets and the group's committed offsets, one request each)
rather than read from faust's monitor, whose end offsets move only while records
are fetched: a stalled consumer would look caught up. Only the partitions this
process actively owns are counted, so that sums over the replicas are exact.
"""

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping

from aiokafka.errors import KafkaError
from faust.types import AppT

from processors.runtime.offsets import Offsets, TPKey
from schemas.metrics import ConsumerLag

log = logging.getLogger(__name__)
LAG_INTERVAL_S = 10.0


def owned_partitions(app: AppT, topics: Collection[str]) -> list[TPKey]:
    """The partitions of `topics` the app's consumer actively owns."""
    actives = app.assignor.assigned_actives()
    return sorted((tp.topic, tp.partition) for tp in actives if tp.topic in topics)


async def group_lag(
    offsets: Offsets,
    topics: Collection[str],
    tps: list[TPKey],
    processed: Mapping[TPKey, int] | None = None,
) -> dict[str, int]:
    """Per topic: records past the next one to process, in these partitions.

    The next to process is the group's committed offset, or the one after the last
    `processed` offset when that is later (commits trail processing).
    """
    lag = dict.fromkeys(topics, 0)
    if not tps:
        return lag
    ends = await offsets.ends(tps)
    committed = await offsets.committed_many(tps)
    done = processed or {}
    for tp, end in ends.items():
        position = max(committed.get(tp, 0), done.get(tp, -1) + 1)
        lag[tp[0]] += max(end - position, 0)
    return lag


def watch_lag(
    app: AppT,
    lag: ConsumerLag,
    measure: Callable[[], Awaitable[dict[str, int]]],
    interval_s: float = LAG_INTERVAL_S,
) -> None:
    """Measure the lag every `interval_s` on a timer of `app`; keep the last figures."""

    @app.timer(interval=interval_s)
    async def measure_lag() -> None:
        if app.should_stop or app.rebalancing:
            return  # stopping: the offset clients are closed; rebalancing: owners move
        try:
            lag.set(await measure())
        except (KafkaError, OSError) as e:
            log.warning("consumer lag of %s not measured: %r", lag.group, e)
