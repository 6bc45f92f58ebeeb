"""processors.runtime.in_order: each ordered partition's records are folded in offset order,
from the committed offset; a record that comes early waits for those before it."""

from dataclasses import dataclass, field

from aiokafka.errors import KafkaConnectionError
from faust.types import TP

from processors.runtime.in_order import ASK_AGAIN_S, GAP_TIMEOUT_S, InOrder

PBX = TP("t.pbx", 1)
OTHER = TP("t.pbx", 2)
CONFIG = TP("t.config", 1)


@dataclass
class Broker:
    """The committed offsets and log starts an `InOrder` asks for, and the clock."""

    committed: dict[tuple[str, int], int] = field(default_factory=dict)
    start: dict[tuple[str, int], int] = field(default_factory=dict)
    asked: int = 0
    recovered: bool = True
    now: float = 0.0
    down: bool = False

    async def committed_many(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        self.asked += 1
        if self.down:
            raise KafkaConnectionError("the broker is away")
        return {tp: self.committed.get(tp, 0) for tp in tps}

    async def starts(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
        return {tp: self.start.get(tp, 0) for tp in tps}


@dataclass(frozen=True)
class _Message:
    tp: TP
    offset: int


@dataclass(frozen=True)
class _Event:
    message: _Message


def events(tp: TP, *offsets: int) -> list[_Event]:
    return [_Event(_Message(tp, o)) for o in offsets]


def offsets(kept: list[_Event]) -> list[int]:
    return [e.message.offset for e in kept]


def in_order(broker: Broker) -> InOrder[_Event]:
    return InOrder(broker, frozenset({"t.config"}), lambda: broker.recovered, lambda: broker.now)


async def test_records_from_the_committed_offset_on_are_taken() -> None:
    broker = Broker(committed={("t.pbx", 1): 87})
    order = in_order(broker)
    assert offsets(await order.admit(events(PBX, 87, 88))) == [87, 88]
    assert offsets(await order.admit(events(PBX, 89))) == [89]
    assert broker.asked == 1


async def test_a_newer_record_first_waits_for_those_before_it() -> None:
    # The worker that took the partition back was handed its newest record before the
    # seek that reads the older ones again.
    order = in_order(Broker(committed={("t.pbx", 1): 87}))
    assert await order.admit(events(PBX, 110)) == []
    got = offsets(await order.admit(events(PBX, *range(87, 100))))
    got += offsets(await order.admit(events(PBX, *range(100, 112))))
    assert got == list(range(87, 112))  # 110 once, in its place


async def test_records_taken_already_are_left_out() -> None:
    order = in_order(Broker(committed={("t.pbx", 1): 5}))
    assert offsets(await order.admit(events(PBX, 3, 4, 5, 6, 5))) == [5, 6]


async def test_partitions_are_ordered_apart() -> None:
    order = in_order(Broker(committed={("t.pbx", 1): 10, ("t.pbx", 2): 20}))
    assert offsets(await order.admit(events(PBX, 11) + events(OTHER, 20))) == [20]
    assert offsets(await order.admit(events(PBX, 10))) == [10, 11]


async def test_records_gone_by_retention_start_at_the_log_s_start() -> None:
    order = in_order(Broker(committed={("t.pbx", 1): 10}, start={("t.pbx", 1): 50}))
    assert offsets(await order.admit(events(PBX, 50, 51))) == [50, 51]


async def test_a_record_that_never_comes_is_given_up_after_a_while() -> None:
    broker = Broker(committed={("t.pbx", 1): 10})
    order = in_order(broker)
    assert await order.admit(events(PBX, 12)) == []
    broker.now += GAP_TIMEOUT_S / 2
    assert await order.admit(events(PBX, 13)) == []
    broker.now += GAP_TIMEOUT_S / 2
    assert offsets(await order.admit(events(PBX, 14))) == [12, 13, 14]


async def test_a_compacted_topic_is_not_ordered() -> None:
    broker = Broker()
    order = in_order(broker)
    assert offsets(await order.admit(events(CONFIG, 9, 4, 12))) == [9, 4, 12]
    assert broker.asked == 0


async def test_records_handed_over_during_recovery_wait_for_its_end() -> None:
    broker = Broker(committed={("t.pbx", 1): 7}, recovered=False)
    order = in_order(broker)
    assert await order.admit(events(PBX, 8) + events(CONFIG, 3)) == []
    assert broker.asked == 0
    assert order.holding(None)
    broker.recovered = True
    assert offsets(await order.admit(events(PBX, 7))) == [3, 7, 8]
    assert not order.holding(None)


async def test_a_rebalance_forgets_what_was_held() -> None:
    broker = Broker(committed={("t.pbx", 1): 0})
    order = in_order(broker)
    assert await order.admit(events(PBX, 3)) == []
    broker.committed[("t.pbx", 1)] = 40  # folded elsewhere meanwhile
    order.reset()
    assert offsets(await order.admit(events(PBX, 40))) == [40]
    assert broker.asked == 2


async def test_held_records_go_only_to_the_agent_that_read_them() -> None:
    broker = Broker(recovered=False)
    order = in_order(broker)
    pbx_agent, deliveries_agent, config_agent = object(), object(), object()
    deliveries = TP("t.pbx-deliveries", 1)
    assert await order.admit(events(PBX, 0), pbx_agent) == []
    assert await order.admit(events(CONFIG, 5), config_agent) == []
    assert await order.admit(events(deliveries, 0), deliveries_agent) == []
    broker.recovered = True
    assert offsets(await order.admit(events(deliveries, 1), deliveries_agent)) == [0, 1]
    assert order.holding(pbx_agent)
    assert [e.message.tp for e in await order.admit([], pbx_agent)] == [PBX]
    assert not order.holding(pbx_agent)
    assert offsets(await order.admit([], config_agent)) == [5]


async def test_records_wait_while_the_broker_cannot_say_where_to_start() -> None:
    broker = Broker(committed={("t.pbx", 1): 3}, down=True)
    order = in_order(broker)
    assert await order.admit(events(PBX, 3)) == []  # held, not folded, not raised
    broker.down = False
    assert await order.admit(events(PBX, 4)) == []  # asked again only a second later
    broker.now += ASK_AGAIN_S
    assert offsets(await order.admit(events(PBX, 5))) == [3, 4, 5]
