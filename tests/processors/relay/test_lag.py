"""How far the sweep may judge a partition's deadlines: only up to what it has folded."""

import asyncio
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast

from faust.types import TP

from processors.app import Hub
from processors.relay.lag import judged_at, note_heartbeats
from schemas.topics import TopicNames

NAMES = TopicNames("t.")
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
KEY = (NAMES.heartbeats, 1)


@dataclass
class Offsets:
    """The broker's end and committed offsets; `ends` fails when `down`."""

    end: int
    committed_at: int
    down: bool = False
    asked: int = 0
    answers_after_s: float = 0.0
    given_up: bool = False

    async def ends(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        self.asked += 1
        if self.down:
            raise OSError("broker unreachable")
        try:
            await asyncio.sleep(self.answers_after_s)
        except asyncio.CancelledError:
            self.given_up = True
            raise
        return dict.fromkeys(tps, self.end)

    async def committed(self, tp: tuple[str, int]) -> int:
        return self.committed_at


@dataclass
class Consumer:
    """aiokafka's consumer under faust's: the highwater its last fetch saw and when (None
    before any)."""

    high: int | None = None
    fetched_s_ago: float = 0.1

    def highwater(self, tp: TP) -> int | None:
        return self.high

    def last_poll_timestamp(self, tp: TP) -> int | None:
        if self.high is None:
            return None
        return int((time.time() - self.fetched_s_ago) * 1000)


@dataclass
class Thread:
    """faust's consumer thread, which holds aiokafka's consumer."""

    consumer: Consumer

    def _ensure_consumer(self) -> Consumer:
        return self.consumer


class FaustConsumer:
    def __init__(self, consumer: Consumer) -> None:
        self._thread = Thread(consumer)


class App:
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = FaustConsumer(consumer)


@dataclass
class StandIn:
    """The parts of Hub that lag reads."""

    offsets: Offsets
    app: App
    names: TopicNames = NAMES
    applied: dict[tuple[str, int], int] = field(default_factory=dict)
    heartbeat_marks: dict[int, datetime] = field(default_factory=dict)


def judge(hub: StandIn) -> datetime | None:
    return asyncio.run(judged_at(cast(Hub, hub), 1, NOW))


def test_caught_up_it_judges_at_the_clock() -> None:
    hub = StandIn(Offsets(end=10, committed_at=10), App(Consumer(high=10)))
    assert judge(hub) == NOW


def test_behind_it_judges_at_the_latest_heartbeat_folded_and_not_before_one() -> None:
    hub = StandIn(Offsets(end=10, committed_at=4), App(Consumer(high=10)))
    assert judge(hub) is None
    note_heartbeats(cast(Hub, hub), 1, NOW - timedelta(seconds=20))
    hub.applied[KEY] = 6
    assert judge(hub) == NOW - timedelta(seconds=20)
    hub.applied[KEY] = 9
    assert judge(hub) == NOW


def test_before_the_first_fetch_the_broker_says_what_waits() -> None:
    # A worker just restarted: its consumer has fetched nothing, heartbeats wait.
    waiting = StandIn(Offsets(end=10, committed_at=4), App(Consumer(high=None)))
    assert judge(waiting) is None
    assert waiting.offsets.asked == 1
    nothing = StandIn(Offsets(end=4, committed_at=4), App(Consumer(high=None)))
    assert judge(nothing) == NOW


def test_when_nobody_can_tell_it_judges_nothing() -> None:
    hub = StandIn(Offsets(end=10, committed_at=10, down=True), App(Consumer(high=None)))
    assert judge(hub) is None


def test_a_fetch_seconds_old_says_nothing_the_broker_is_asked() -> None:
    # The consumer stopped fetching (a broker restarted): the end offset it last saw is
    # its position, while heartbeats sent since wait in the partition.
    hub = StandIn(Offsets(end=10, committed_at=4), App(Consumer(high=4, fetched_s_ago=8)))
    hub.applied[KEY] = 3
    assert judge(hub) is None
    assert hub.offsets.asked == 1
    fresh = StandIn(Offsets(end=10, committed_at=4), App(Consumer(high=4, fetched_s_ago=0.5)))
    fresh.applied[KEY] = 3
    assert judge(fresh) == NOW  # caught up with what its recent fetch saw
    assert fresh.offsets.asked == 0


def test_a_broker_slow_to_answer_is_not_waited_for() -> None:
    hub = StandIn(Offsets(end=4, committed_at=4, answers_after_s=30), App(Consumer(high=None)))
    assert judge(hub) is None
    assert hub.offsets.given_up  # the ask was abandoned, not awaited to its answer
