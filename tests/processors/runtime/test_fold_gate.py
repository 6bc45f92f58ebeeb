"""processors.runtime.fold_gate: folds and rebalances take turns; lost partitions are not folded."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import faust
import pytest
from faust.types import TP

from processors.runtime.batching import take_events
from processors.runtime.faust_types import Event
from processors.runtime.fold_gate import FoldGate, install


def _agent_app(gate: FoldGate[Event], got: list[list[bytes]]) -> Any:
    app = faust.App("fold-gate-test", store="memory://")

    @app.agent()
    async def fold(stream: Any) -> None:
        async for events in take_events(stream, 10, 0.01, gate=gate):
            got.append([e.value for e in events])

    return fold


async def _put_one(lost: Callable[[Any], set[Any]]) -> tuple[list[list[bytes]], bool]:
    """One record through an agent whose last rebalance took away `lost(its partition)`."""
    got: list[list[bytes]] = []
    gate: FoldGate[Event] = FoldGate(1.0)
    agent = _agent_app(gate, got)
    async with agent.test_context() as running:
        await gate.close()  # a rebalance under way: the record waits for the gate
        event = await running.put(b"report")
        gate.open(lost(event.message.tp))
        for _ in range(100):
            if got or event.message.acked:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        return got, event.message.acked


async def test_a_record_of_a_partition_lost_is_left_to_its_next_owner() -> None:
    got, acked = await _put_one(lambda tp: {tp})
    assert (got, acked) == ([], False)  # neither folded nor acknowledged


async def test_a_record_of_a_partition_kept_is_folded_and_acknowledged() -> None:
    got, acked = await _put_one(lambda tp: {TP(tp.topic, tp.partition + 1)})
    assert (got, acked) == ([[b"report"]], True)


async def test_a_rebalance_waits_for_the_fold_under_way_and_holds_the_next() -> None:
    gate: FoldGate[_Event] = FoldGate(5.0)
    order: list[str] = []
    release = asyncio.Event()

    async def first() -> None:
        async with gate.fold():
            order.append("fold 1 starts")
            await release.wait()
            order.append("fold 1 ends")

    async def second() -> None:
        async with gate.fold():
            order.append("fold 2")

    task = asyncio.create_task(first())
    await asyncio.sleep(0)
    closing = asyncio.create_task(gate.close())
    await asyncio.sleep(0.01)
    later = asyncio.create_task(second())
    await asyncio.sleep(0.01)
    assert not closing.done()  # still waiting for fold 1
    release.set()
    await closing
    order.append("rebalanced")
    await asyncio.sleep(0.01)
    assert not later.done()  # the gate is shut until the tables took the assignment
    gate.open()
    await asyncio.gather(task, later)
    assert order == ["fold 1 starts", "fold 1 ends", "rebalanced", "fold 2"]


async def test_a_fold_that_never_ends_does_not_hold_the_rebalance(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gate: FoldGate[_Event] = FoldGate(0.05)
    stuck = asyncio.Event()

    async def hang() -> None:
        async with gate.fold():
            await stuck.wait()

    task = asyncio.create_task(hang())
    await asyncio.sleep(0)
    await asyncio.wait_for(gate.close(), 2.0)
    assert "outlasted" in caplog.text
    stuck.set()
    await task


async def test_installed_the_tables_take_an_assignment_with_the_gate_shut() -> None:
    app = faust.App("fold-gate-install", store="memory://")
    gate: FoldGate[_Event] = FoldGate(1.0)
    seen: list[bool] = []

    async def spy(*args: Any, **kwargs: Any) -> None:  # the tables taking the assignment
        probe = asyncio.create_task(_enters(gate))
        await asyncio.sleep(0.01)
        seen.append(probe.done())
        probe.cancel()

    app.tables.on_rebalance = spy  # type: ignore[method-assign]
    install(app, gate)
    lost = TP("t.pbx", 3)
    await app.tables.on_rebalance({TP("t.pbx", 0)}, {lost}, set())
    assert seen == [False]  # no fold entered while the tables were changing
    await asyncio.wait_for(_enters(gate), 1.0)  # open again after
    assert await gate.owned([_Event(lost), _Event(TP("t.pbx", 0))]) == [_Event(TP("t.pbx", 0))]


async def _enters(gate: "FoldGate[_Event]") -> None:
    async with gate.fold():
        pass


@dataclass(frozen=True)
class _Message:
    tp: TP
    offset: int = 0


class _Event:
    """What `FoldGate.owned` reads of a faust event: its message's partition."""

    def __init__(self, tp: TP) -> None:
        self.message = _Message(tp)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Event) and other.message == self.message

    def __hash__(self) -> int:
        return hash(self.message)
