"""Fold and acknowledge only the records of this worker's current assignment.

On a rebalance faust closes the `rocksdb://` databases of the partitions a worker loses
(`Store.revoke_partitions`), while its agents may still hold a batch fetched before:
folded then, a record of a lost partition reads nothing (a PBX "unknown"), and an event
report was dropped as one of an unknown PBX and acknowledged, so its new owner, starting
after the committed offset, never queued it. The fault suite found five event reports
answered 200 and never delivered this way, around a worker joining.

So a batch is folded only outside a rebalance, each record only if it was fetched in the
group's current generation, and acknowledged only if the generation is still the same
when the batch ends. A record left unacknowledged is read again after the rebalance
(faust's rebalances are eager: every partition resumes from its committed offset), by
whichever worker then owns it; the folds skip what a PBX already applied
(`pbx_fold.skip_replayed`).
"""

from collections.abc import Callable
from typing import Any

from processors.app import Hub


def current(hub: Hub, event: Any) -> bool:
    """Whether `event` may be folded now: no rebalance running, fetched in this generation."""
    if hub.app.rebalancing:
        return False
    generation = hub.app.consumer_generation_id
    fetched_in = event.message.generation_id
    return fetched_in is None or generation is None or fetched_in == generation


def ack_current(hub: Hub, folded: set[int]) -> Callable[[list[Any]], None]:
    """A `take_events` hold: acknowledges the events folded (by `id`) that are still of the
    current generation; the others are left to be read again."""

    def hold(events: list[Any]) -> None:
        for event in events:
            if id(event) in folded and current(hub, event):
                event.ack()
        folded.clear()

    return hold
