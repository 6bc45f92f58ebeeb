"""A deliverer stopping cleanly: the POST in flight finishes and is recorded; nothing new starts."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import pytest

from localkafka.receiver import Receiver
from processors.app import Hub
from processors.pbx.delivery import Deliverer, Job
from schemas.pbx import StoredEvent
from schemas.pbx_events import V1
from schemas.pbx_topics import Outcome, decode_attempts
from schemas.topics import partition_for

KEY = "c1/p1"
AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Settings:
    partitions: int = 4
    pbx_max_deliveries: int = 4
    pbx_delivery_timeout_s: float = 5.0
    heartbeat_publish_timeout_s: float = 4.0

    def denied(self) -> tuple[()]:
        return ()


@dataclass
class Clock:
    def now(self) -> datetime:
        return AT


@dataclass
class Topic:
    """Keeps what is sent, acknowledged at once."""

    sent: list[bytes] = field(default_factory=list)

    async def send(self, key: bytes, value: bytes, partition: int) -> "asyncio.Future[None]":
        self.sent.append(value)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


@dataclass
class StandIn:
    """The parts of Hub the deliverer reads."""

    settings: Settings = field(default_factory=Settings)
    clock: Clock = field(default_factory=Clock)
    pbx_deliveries: Topic = field(default_factory=Topic)
    pbx_events: dict[str, StoredEvent] = field(default_factory=dict)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(stall_s=0.3).start()
    yield server
    server.stop()


def stand_in(events: int) -> StandIn:
    hub = StandIn()
    for seq in range(events):
        body = f'{{"event": "BootUp", "sn": "{seq}"}}'
        hub.pbx_events[f"{KEY}/{seq}"] = StoredEvent(
            version=V1, name="BootUp", body=body, received_at=AT, waiting=1
        )
    return hub


def job(receiver: Receiver, seqs: tuple[int, ...]) -> Job:
    return Job(KEY, "s1", seqs, f"http://127.0.0.1:{receiver.port}/s1", V1, 1)


async def test_a_stop_lets_the_post_in_flight_finish_and_records_it(receiver: Receiver) -> None:
    hub = stand_in(3)
    deliverer = Deliverer(cast(Hub, hub))
    deliverer._start(job(receiver, (0, 1, 2)))
    await asyncio.sleep(0.1)  # the first POST is at the receiver, not yet answered
    await deliverer.close()
    assert [r.json()["sn"] for r in receiver.accepted()] == ["0"]
    (record,) = hub.pbx_deliveries.sent
    (attempt,) = decode_attempts(record)
    assert (attempt.seq, attempt.outcome) == (0, Outcome.delivered)


async def test_nothing_starts_once_stopping(receiver: Receiver) -> None:
    hub = stand_in(1)
    deliverer = Deliverer(cast(Hub, hub))
    await deliverer.close()
    deliverer._start(job(receiver, (0,)))
    await asyncio.sleep(0.5)
    assert receiver.received == []
    assert hub.pbx_deliveries.sent == []
    assert deliverer.in_flight == {}


async def test_a_burst_of_a_lost_partition_leaves_a_newer_burst_s_entry_alone(
    receiver: Receiver,
) -> None:
    hub = stand_in(2)
    deliverer = Deliverer(cast(Hub, hub))
    deliverer._start(job(receiver, (0, 1)))  # two stalled POSTs: it ends last
    await asyncio.sleep(0.05)
    deliverer.forget({partition_for("c1", hub.settings.partitions)})  # lost, then regained
    deliverer._start(job(receiver, (0,)))  # the new owner's burst from the same head
    await asyncio.sleep(1.0)
    assert len(hub.pbx_deliveries.sent) == 2  # both bursts recorded what they did
    # The session waits for the newer burst's attempt, not for the older one's.
    assert deliverer.in_flight[(KEY, "s1")][1] == "s1:0:1"
