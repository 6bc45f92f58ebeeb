"""The faust types the workers use, and the private parts of faust they need, in one place.

Agents read raw bytes (the pydantic contracts of `schemas/` parse them), so a worker's
streams and events are `StreamT[bytes]` and `EventT[bytes]`. What faust keeps private
and the hub relies on is reached only through the functions here, each saying why, and
what faust leaves untyped (its signals' receivers, the request its views are given) is
typed here too.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from typing import Protocol, TypeVar, cast

from aiohttp import web
from faust.exceptions import ConsumerNotStarted
from faust.transport.drivers import aiokafka as aiokafka_driver
from faust.types import TP, AppT, EventT, StreamT
from faust.types.streams import Processor
from faust.web import Response, View
from faust.web.drivers.aiohttp import Web as AiohttpWeb
from mode.types.signals import BaseSignalT

Stream = StreamT[bytes]
Event = EventT[bytes]
Partitions = set[TP]
OnPartitions = Callable[[Partitions], Awaitable[None]]
OnSignal = Callable[[], Awaitable[None]]
TablesRebalance = Callable[
    [Partitions, Partitions, Partitions, int], Coroutine[object, object, None]
]

T = TypeVar("T")
V = TypeVar("V")

__all__ = ["E", "Event", "Held", "Partitions", "Placed", "Response", "Stream", "View", "WebRequest"]


class Place(Protocol):
    """Where a record is: what the ordering of folds reads of a faust `Message`."""

    @property
    def tp(self) -> TP: ...

    @property
    def offset(self) -> int: ...


class Placed(Protocol):
    """An event as the ordering of folds sees it (a faust `EventT`, or a test's stand-in)."""

    @property
    def message(self) -> Place: ...


E = TypeVar("E", bound=Placed)


class _Partition(Protocol):
    @property
    def partition(self) -> int: ...


class _Fetched(Protocol):
    @property
    def tp(self) -> _Partition: ...

    @property
    def generation_id(self) -> int | None: ...


class Held(Protocol):
    """An event whose acknowledgement waits (a faust `EventT`, or a test's stand-in): what
    `processors.relay.states_buffer` reads of it."""

    @property
    def message(self) -> _Fetched: ...

    def ack(self) -> bool: ...


class WebRequest(Protocol):
    """What the hub's views read of a request faust hands them (an aiohttp request:
    faust's own `Request` declares neither `path` nor `content_type`)."""

    @property
    def method(self) -> str: ...

    @property
    def path(self) -> str: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def query(self) -> Mapping[str, str]: ...

    @property
    def content_type(self) -> str: ...

    async def read(self) -> bytes: ...


def set_current_event(stream: Stream, event: Event) -> None:
    """Make `event` the stream's current one: faust routes a table write to the changelog
    partition of the current event, and a batch's writes belong to several events."""
    stream._set_current_event(event)  # type: ignore[attr-defined]


def enable_passive(stream: Stream, channel: AsyncIterator[object]) -> None:
    """Have the stream consume `channel` with no iterator of its own: its processors do
    the work (`processors.runtime.batching`, as faust's own `take` does)."""
    stream._enable_passive(channel)  # type: ignore[attr-defined]


async def wait(stream: Stream, event: asyncio.Event) -> None:
    """`Service.wait` of the stream (mode's), which `StreamT` does not declare: wait for
    `event` unless the stream stops first."""
    await stream.wait(event)  # type: ignore[attr-defined]


async def wait_for_stopped(stream: Stream, event: asyncio.Event, within: float) -> None:
    """`Service.wait_for_stopped` of the stream (mode's), undeclared by `StreamT` too."""
    await stream.wait_for_stopped(event, timeout=within)  # type: ignore[attr-defined]


def remove_processor(stream: Stream, processor: Processor[bytes]) -> None:
    """Undo `stream.add_processor` (faust has no public way)."""
    stream._processors.remove(processor)  # type: ignore[attr-defined]


def changelog_value(event: EventT[V]) -> V | None:
    """A changelog record's value as the table's codec decoded it (`EventT.value` is
    typed loosely: bytes, a faust model or anything); None for a tombstone."""
    return None if event.message.value is None else cast(V, event.value)


def _partitions_receiver(receiver: OnPartitions) -> Callable[..., Awaitable[None]]:
    """A receiver of faust's `on_partitions_*` signals, which send the app, then the
    partitions (the new assignment, or those revoked), then keywords of mode's."""

    async def receive(app: object, /, *args: object, **kwargs: object) -> None:
        await receiver(cast(Partitions, args[0]))  # the signal's declared argument

    return receive


def _plain_receiver(receiver: OnSignal) -> Callable[..., Awaitable[None]]:
    """A receiver of a faust signal whose arguments the hub does not read."""

    async def receive(app: object, /, *args: object, **kwargs: object) -> None:
        await receiver()

    return receive


def on_partitions_assigned(app: AppT, receiver: OnPartitions) -> None:
    """Call `receiver` with the partitions of each new assignment."""
    _connect(app.on_partitions_assigned, _partitions_receiver(receiver))


def on_partitions_revoked(app: AppT, receiver: OnPartitions) -> None:
    """Call `receiver` with the partitions each revocation takes back."""
    _connect(app.on_partitions_revoked, _partitions_receiver(receiver))


def on_rebalance_complete(app: AppT, receiver: OnSignal) -> None:
    """Call `receiver` once the tables recovered after a rebalance."""
    _connect(app.on_rebalance_complete, _plain_receiver(receiver))


def on_before_shutdown(app: AppT, receiver: OnSignal) -> None:
    """Call `receiver` when the app starts to stop."""
    _connect(app.on_before_shutdown, _plain_receiver(receiver))


def _connect(signal: BaseSignalT[T], receive: Callable[..., Awaitable[None]]) -> None:
    # Held strongly (mode's default): the receivers are closures nothing else keeps.
    signal.connect(receive)


def around_tables_rebalance(app: AppT, wrap: Callable[[TablesRebalance], TablesRebalance]) -> None:
    """Replace `TableManager.on_rebalance`, where the tables close and open their
    partitions, with `wrap` of it (faust has no signal at that point)."""
    tables = app.tables
    # mypy forbids replacing a method; replacing it is the point here.
    tables.on_rebalance = wrap(tables.on_rebalance)  # type: ignore[method-assign,assignment]


def aiohttp_app(app: AppT) -> web.Application:
    """The aiohttp Application under faust's web server (not started yet at attach)."""
    driver = app.web
    if not isinstance(driver, AiohttpWeb):
        raise TypeError(f"faust's web driver {driver!r} is not aiohttp's")
    return driver.web_app


class _FetchState(Protocol):
    """What aiokafka's consumer keeps of each assigned partition's last fetch answer."""

    def highwater(self, partition: TP) -> int | None: ...

    def last_poll_timestamp(self, partition: TP) -> int | None: ...


def fetched_highwater(app: AppT, tp: TP, within_s: float) -> int | None:
    """The partition's end offset as the worker's consumer last fetched it, if that fetch
    was answered within the last `within_s` seconds; None before any, or when it is older
    (a consumer that stopped fetching, through a broker restart or a stalled rebalance,
    keeps an end offset that says nothing of the records sent since)."""
    ensure = getattr(getattr(app.consumer, "_thread", None), "_ensure_consumer", None)
    if ensure is None:
        return None
    try:
        consumer = cast(_FetchState, ensure())
        stamp_ms = consumer.last_poll_timestamp(tp)
        high = consumer.highwater(tp)
    except (AssertionError, ConsumerNotStarted):
        return None  # not assigned here, or no consumer yet
    if stamp_ms is None or time.time() - stamp_ms / 1000 > within_s:
        return None
    return high


_idempotent = False  # faust's producers made idempotent in this process


def idempotent_producers() -> None:
    """Make faust's aiokafka producers idempotent, as the ingress's is.

    faust asks for idempotence only inside transactions; the workers publish heartbeats
    they answer 200 for, changelogs and output events, where a retry after a lost
    acknowledgement must not write a record twice.
    """
    global _idempotent
    if _idempotent:
        return
    producer = aiokafka_driver.Producer
    original = producer._settings_extra

    def settings_extra(self: aiokafka_driver.Producer) -> Mapping[str, object]:
        return {**original(self), "acks": "all", "enable_idempotence": True}

    # mypy forbids replacing a method; replacing it is the point here.
    producer._settings_extra = settings_extra  # type: ignore[method-assign]
    _idempotent = True
