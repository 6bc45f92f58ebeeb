"""How far in time a partition's deadlines may be judged: only up to what it has consumed.

A worker that falls behind (a pause, a restart, a burst it folds late) has heartbeats
in Kafka it has not applied yet. Judging deadlines at the wall clock then would mark
late or down profiles that heartbeated in time. So while the heartbeat partition has
records past the last one applied, the sweep judges at the latest `received_at`
folded there, and not at all before the first is folded; caught up, at the clock.
Before the consumer's first fetch of the partition (a worker just restarted, with the
heartbeats sent during its absence waiting), the end offset is asked of the broker:
judging at the clock then would find every client late whose heartbeats wait there.
The same when its last fetch is a few seconds old: a consumer that stopped fetching (a
broker restarted, a rebalance) keeps the end offset it saw before, and judging as if
caught up found the clients late whose heartbeats came meanwhile.
"""

import asyncio
from datetime import datetime

from aiokafka.errors import KafkaError
from faust.types import TP

from processors.app import Hub
from processors.relay.responder import applied_offset
from processors.runtime.faust_types import fetched_highwater

FRESH_FETCH_S = 3.0
"""A fetch answer older than this says nothing of what waits now: the broker is asked. An
idle partition's fetches are answered every `HUB_FETCH_MAX_WAIT_MS` (at most 1.5 s)."""
ASK_TIMEOUT_S = 1.0
"""How long a sweep waits for the broker's answer; without one it judges nothing this
time (the sweep also drives the PBX's deliveries and must not wait the client's 40 s)."""


def note_heartbeats(hub: Hub, partition: int, received_at: datetime) -> None:
    """A heartbeat received at `received_at` was folded in `partition`."""
    mark = hub.heartbeat_marks.get(partition)
    if mark is None or received_at > mark:
        hub.heartbeat_marks[partition] = received_at


async def judged_at(hub: Hub, partition: int, now: datetime) -> datetime | None:
    """The time to judge the partition's deadlines at; None to judge none this sweep."""
    key = (hub.names.heartbeats, partition)
    high = await _end(hub, key)
    if high is None:
        return None  # the broker cannot say what is waiting: judge nothing yet
    if await applied_offset(hub, key) >= high - 1:
        return now
    mark = hub.heartbeat_marks.get(partition)
    return None if mark is None else min(now, mark)


async def _end(hub: Hub, key: tuple[str, int]) -> int | None:
    """The partition's end offset: as the consumer's last fetch saw it, if recent; else (no
    fetch yet, as right after a restart, or none for a while, as while the consumer
    reconnects after a broker restart, with the heartbeats sent meanwhile waiting) asked
    of the broker; None when neither can tell."""
    high = fetched_highwater(hub.app, TP(*key), FRESH_FETCH_S)
    if high is not None:
        return high
    try:
        return (await asyncio.wait_for(hub.offsets.ends([key]), ASK_TIMEOUT_S))[key]
    except (KafkaError, OSError, KeyError, TimeoutError):
        return None
