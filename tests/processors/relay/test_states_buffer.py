"""StatesBuffer: heartbeats' states held per partition, written and acknowledged together."""

from dataclasses import dataclass, field
from typing import Any

from processors.relay.states_buffer import StatesBuffer
from schemas.enums import ServerStatus
from schemas.profiles import CustomerStates, ReportedState


@dataclass
class _TP:
    partition: int


@dataclass
class _Message:
    tp: _TP
    generation_id: int | None = 1


@dataclass
class _Event:
    """The two things the buffer uses of a faust event: its message and `ack()`."""

    message: _Message
    acked: list[bool] = field(default_factory=list)

    def ack(self) -> bool:
        self.acked.append(True)
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _states(status: int) -> CustomerStates:
    return CustomerStates(inbound={7: ReportedState(ServerStatus=ServerStatus(status))})


def _event(partition: int, generation: int | None = 1) -> _Event:
    return _Event(_Message(_TP(partition), generation))


def _buffer(table: dict[str, Any], clock: _Clock, generation: int = 1) -> StatesBuffer:
    return StatesBuffer(table, 5.0, lambda: generation, clock)


def test_a_put_is_read_back_but_written_only_by_its_partitions_flush() -> None:
    table: dict[str, Any] = {}
    buffer = _buffer(table, _Clock())
    buffer.put(0, "a", _states(1))
    buffer.put(1, "b", _states(2))
    assert buffer.get("a") == _states(1)
    assert table == {}
    assert buffer.flush(0) == 1
    assert table == {"a": _states(1)}
    assert buffer.get("b") == _states(2)
    assert "b" not in table


def test_held_events_are_acknowledged_only_by_their_partitions_flush() -> None:
    buffer = _buffer({}, _Clock())
    first, second = _event(0), _event(1)
    buffer.hold_events([first, second])
    assert not first.acked
    assert not second.acked
    buffer.flush(0)
    assert first.acked == [True]
    assert not second.acked


def test_events_of_an_earlier_generation_are_never_acknowledged() -> None:
    buffer = _buffer({}, _Clock(), generation=2)
    stale, fresh = _event(0, generation=1), _event(0, generation=2)
    buffer.hold_events([stale, fresh])
    buffer.flush(0)
    assert not stale.acked
    assert fresh.acked == [True]


def test_a_revocation_drops_what_was_not_written() -> None:
    table: dict[str, Any] = {"a": _states(1)}
    buffer = _buffer(table, _Clock())
    held = _event(0)
    buffer.put(0, "a", _states(2))
    buffer.hold_events([held])
    buffer.revoked()
    assert buffer.get("a") == _states(1)
    buffer.flush(0)
    assert table == {"a": _states(1)}
    assert not held.acked


def test_a_write_or_delete_replaces_what_waits() -> None:
    table: dict[str, Any] = {}
    buffer = _buffer(table, _Clock())
    buffer.put(0, "a", _states(1))
    buffer.put(0, "b", _states(1))
    buffer.write("a", _states(3))
    buffer.delete("b")
    assert buffer.flush(0) == 0
    assert table == {"a": _states(3)}
    assert buffer.get("b") is None


def test_a_partition_is_due_once_flush_s_passed_since_its_last_flush() -> None:
    clock = _Clock()
    buffer = _buffer({}, clock)
    assert not buffer.due(0)
    clock.now = 4.9
    assert not buffer.due(0)
    clock.now = 5.0
    assert buffer.due(0)
    buffer.flush(0)
    assert not buffer.due(0)
