"""One hub-level line per rebalance step, so that an operator sees what a worker holds.

faust and aiokafka say hundreds of lines about a rebalance at INFO, which the hub keeps
at WARNING (see schemas.log_format); these three say what matters: which partitions
this worker was given (and in which generation of the group), when they were taken
back, and when its tables were recovered so that it folds again.
"""

import logging
from collections.abc import Iterable
from typing import Any

from processors.app import Hub

log = logging.getLogger("processors.rebalance")


def partitions_of(tps: Iterable[Any], topic: str) -> list[int]:
    """The partition numbers of `topic` among `tps`, sorted."""
    return sorted(tp.partition for tp in tps if tp.topic == topic)


def attach(hub: Hub) -> None:
    """Log each assignment, revocation and completed recovery of this worker."""
    topic = hub.names.heartbeats  # every input topic is partitioned alike

    @hub.app.on_partitions_assigned.connect
    async def assigned(app: Any, /, *args: Any, **kwargs: Any) -> None:
        log.info(
            "partitions assigned: %s (generation %s)",
            partitions_of(args[0], topic),
            app.consumer_generation_id,
        )

    @hub.app.on_partitions_revoked.connect
    async def revoked(app: Any, /, *args: Any, **kwargs: Any) -> None:
        log.info("partitions revoked: %s", partitions_of(args[0], topic))

    @hub.app.on_rebalance_complete.connect
    async def recovered(app: Any, /, *args: Any, **kwargs: Any) -> None:
        log.info("tables recovered: folding again")
