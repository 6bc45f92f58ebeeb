"""Takeover: a partition is ready only once its PBX topics are applied to their first-read ends."""

import asyncio
from dataclasses import dataclass, field
from typing import cast

from processors.app import Hub
from processors.pbx.takeover import Takeover
from schemas.topics import TopicNames, partition_for

TPKey = tuple[str, int]
NAMES = TopicNames("t.")


@dataclass
class Offsets:
    """End and committed offsets as the broker would answer them."""

    end: dict[TPKey, int]
    committed_at: dict[TPKey, int] = field(default_factory=dict)
    asked: int = 0

    async def ends(self, tps: list[TPKey]) -> dict[TPKey, int]:
        self.asked += 1
        return {tp: self.end.get(tp, 0) for tp in tps}

    async def committed_many(self, tps: list[TPKey]) -> dict[TPKey, int]:
        return {tp: self.committed_at.get(tp, 0) for tp in tps}


@dataclass
class Settings:
    partitions: int = 4


@dataclass
class StandIn:
    """The parts of Hub that Takeover reads."""

    offsets: Offsets
    names: TopicNames = NAMES
    settings: Settings = field(default_factory=Settings)
    applied: dict[TPKey, int] = field(default_factory=dict)


def takeover(offsets: Offsets) -> tuple[Takeover, StandIn]:
    hub = StandIn(offsets)
    return Takeover(cast(Hub, hub)), hub


def test_a_partition_with_records_not_yet_folded_is_not_ready() -> None:
    guard, hub = takeover(Offsets(end={(NAMES.pbx, 1): 10}, committed_at={(NAMES.pbx, 1): 7}))
    assert not asyncio.run(guard.caught_up(1))
    hub.applied[(NAMES.pbx, 1)] = 8
    assert not asyncio.run(guard.caught_up(1))
    hub.applied[(NAMES.pbx, 1)] = 9
    assert asyncio.run(guard.caught_up(1))
    assert guard.ready(1)
    assert not guard.ready(2)


def test_the_ends_are_read_once_and_not_moved_by_later_records() -> None:
    offsets = Offsets(end={(NAMES.pbx, 0): 5}, committed_at={(NAMES.pbx, 0): 3})
    guard, hub = takeover(offsets)
    assert not asyncio.run(guard.caught_up(0))
    offsets.end[(NAMES.pbx, 0)] = 50  # written after the takeover: not waited for
    hub.applied[(NAMES.pbx, 0)] = 4
    assert asyncio.run(guard.caught_up(0))
    assert asyncio.run(guard.caught_up(0))
    assert offsets.asked == 1


def test_delivery_attempts_are_waited_for_too() -> None:
    end = {(NAMES.pbx, 2): 1, (NAMES.pbx_deliveries, 2): 4}
    guard, hub = takeover(Offsets(end=end, committed_at={(NAMES.pbx, 2): 1}))
    assert not asyncio.run(guard.caught_up(2))
    hub.applied[(NAMES.pbx_deliveries, 2)] = 3
    assert asyncio.run(guard.caught_up(2))


def test_a_rebalance_forgets_readiness() -> None:
    offsets = Offsets(end={(NAMES.pbx, 3): 2}, committed_at={(NAMES.pbx, 3): 2})
    guard, _ = takeover(offsets)
    assert asyncio.run(guard.caught_up(3))
    guard.forget()
    assert not guard.ready(3)
    assert asyncio.run(guard.caught_up(3))
    assert offsets.asked == 2  # the ends read again after the rebalance


def test_a_stale_mark_does_not_hold_a_partition_whose_commits_reached_the_end() -> None:
    # Marked before a rebalance; the group committed further since, and no new record
    # will come to move the mark (delivery attempts wait for this guard).
    end = {(NAMES.pbx, 1): 9, (NAMES.pbx_deliveries, 1): 30}
    committed = {(NAMES.pbx, 1): 9, (NAMES.pbx_deliveries, 1): 30}
    guard, hub = takeover(Offsets(end=end, committed_at=committed))
    hub.applied[(NAMES.pbx_deliveries, 1)] = 12
    assert asyncio.run(guard.caught_up(1))


def test_only_keys_of_ready_partitions_are_kicked() -> None:
    keys = [f"cust-{n}/pbx" for n in range(40)]
    ready_part = partition_for("cust-0", 4)
    guard, _ = takeover(Offsets(end={}))
    assert guard.ready_keys(keys) == []
    assert asyncio.run(guard.caught_up(ready_part))
    kicked = guard.ready_keys(keys)
    assert "cust-0/pbx" in kicked
    assert all(partition_for(k.split("/")[0], 4) == ready_part for k in kicked)
    assert len(kicked) < len(keys)
