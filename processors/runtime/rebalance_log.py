"""One hub-level line per rebalance step, so that an operator sees what a worker holds.

faust and aiokafka say hundreds of lines about a rebalance at INFO, which the hub keeps
at WARNING (see schemas.log_format); these three say what matters: which partitions
this worker was given (and in which generation of the group), when they were taken
back, and when its tables were recovered so that it folds again.
"""

import logging
from collections.abc import Iterable

from faust.types import TP

from processors.app import Hub
from processors.runtime.faust_types import (
    Partitions,
    on_partitions_assigned,
    on_partitions_revoked,
    on_rebalance_complete,
)

log = logging.getLogger("processors.rebalance")


def partitions_of(tps: Iterable[TP], topic: str) -> list[int]:
    """The partition numbers of `topic` among `tps`, sorted."""
    return sorted(tp.partition for tp in tps if tp.topic == topic)


def attach(hub: Hub) -> None:
    """Log each assignment, revocation and completed recovery of this worker."""
    topic = hub.names.heartbeats  # every input topic is partitioned alike

    async def assigned(tps: Partitions) -> None:
        log.info(
            "partitions assigned: %s (generation %s)",
            partitions_of(tps, topic),
            hub.app.consumer_generation_id,
        )

    async def revoked(tps: Partitions) -> None:
        log.info("partitions revoked: %s", partitions_of(tps, topic))

    async def recovered() -> None:
        log.info("tables recovered: folding again")

    on_partitions_assigned(hub.app, assigned)
    on_partitions_revoked(hub.app, revoked)
    on_rebalance_complete(hub.app, recovered)
