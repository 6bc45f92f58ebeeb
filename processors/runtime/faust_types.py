"""The faust types the workers use, and the private parts of faust they need, in one place.

Agents read raw bytes (the pydantic contracts of `schemas/` parse them), so a worker's
streams and events are `StreamT[bytes]` and `EventT[bytes]`. What faust keeps private
and the hub relies on is reached only through the functions here, each saying why.
"""

from typing import Any

from faust.types import EventT, StreamT

Stream = StreamT[bytes]
Event = EventT[bytes]


def set_current_event(stream: Stream, event: Event) -> None:
    """Make `event` the stream's current one: faust routes a table write to the changelog
    partition of the current event, and a batch's writes belong to several events."""
    stream._set_current_event(event)  # type: ignore[attr-defined]


def enable_passive(stream: Stream, channel: Any) -> None:
    """Have the stream consume `channel` with no iterator of its own: its processors do
    the work (`processors.runtime.batching`, as faust's own `take` does)."""
    stream._enable_passive(channel)  # type: ignore[attr-defined]


async def wait(stream: Stream, event: Any) -> None:
    """`Service.wait` of the stream (mode's), which `StreamT` does not declare: wait for
    `event` unless the stream stops first."""
    await stream.wait(event)  # type: ignore[attr-defined]


async def wait_for_stopped(stream: Stream, event: Any, within: float) -> None:
    """`Service.wait_for_stopped` of the stream (mode's), undeclared by `StreamT` too."""
    await stream.wait_for_stopped(event, timeout=within)  # type: ignore[attr-defined]


def remove_processor(stream: Stream, processor: Any) -> None:
    """Undo `stream.add_processor` (faust has no public way)."""
    stream._processors.remove(processor)  # type: ignore[attr-defined]
