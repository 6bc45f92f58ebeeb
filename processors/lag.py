"""How far in time a partition's deadlines may be judged: only up to what it has consumed.

A worker that falls behind (a pause, a restart, a burst it folds late) has heartbeats
in Kafka it has not applied yet. Judging deadlines at the wall clock then would mark
late or down profiles that heartbeated in time. So while the heartbeat partition has
records past the last one applied, the sweep judges at the latest `received_at`
folded there, and not at all before the first is folded; caught up, at the clock.
"""

from datetime import datetime

from faust.types import TP

from processors.app import Hub
from processors.responder import applied_offset


def note_heartbeats(hub: Hub, partition: int, received_at: datetime) -> None:
    """A heartbeat received at `received_at` was folded in `partition`."""
    mark = hub.heartbeat_marks.get(partition)
    if mark is None or received_at > mark:
        hub.heartbeat_marks[partition] = received_at


async def judged_at(hub: Hub, partition: int, now: datetime) -> datetime | None:
    """The time to judge the partition's deadlines at; None to judge none this sweep."""
    key = (hub.names.heartbeats, partition)
    try:
        high = hub.app.consumer.highwater(TP(*key))
    except (AttributeError, KeyError, AssertionError):
        return now  # no fetch yet: nothing is known to be waiting
    if high is None:
        return now
    if await applied_offset(hub, key) >= high - 1:
        return now
    mark = hub.heartbeat_marks.get(partition)
    return None if mark is None else min(now, mark)
