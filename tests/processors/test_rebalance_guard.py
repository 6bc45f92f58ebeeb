"""Which records a fold may take and acknowledge around a rebalance."""

from types import SimpleNamespace
from typing import Any

from processors.rebalance_guard import ack_current, current


class Event:
    """A fetched record: its generation, and whether it was acknowledged."""

    def __init__(self, generation: int | None) -> None:
        self.message = SimpleNamespace(generation_id=generation)
        self.acked = False

    def ack(self) -> bool:
        self.acked = True
        return True


def hub(generation: int, rebalancing: bool = False) -> Any:
    return SimpleNamespace(
        app=SimpleNamespace(consumer_generation_id=generation, rebalancing=rebalancing)
    )


def test_a_record_of_the_current_generation_is_folded() -> None:
    assert current(hub(3), Event(3))
    assert current(hub(3), Event(None))  # a record without one (not fetched by a group)


def test_nothing_is_folded_during_a_rebalance_nor_from_an_older_generation() -> None:
    assert not current(hub(3, rebalancing=True), Event(3))
    assert not current(hub(4), Event(3))


def test_only_folded_records_still_current_at_the_end_are_acknowledged() -> None:
    folded_now, skipped, stale = Event(3), Event(3), Event(3)
    folded = {id(folded_now), id(stale)}
    state = hub(3)
    hold = ack_current(state, folded)
    stale.message.generation_id = 2  # fetched before the generation the batch ended in
    hold([folded_now, skipped, stale])
    assert (folded_now.acked, skipped.acked, stale.acked) == (True, False, False)
    assert folded == set()
