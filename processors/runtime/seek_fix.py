"""faust's seek to the committed offsets after a recovery, made complete and undisturbed.

Input partitions never committed are read again from their start after a recovery.

faust drops records fetched while it changes which partitions are active: at an
assignment it makes the new input partitions active, then pauses them for the tables'
recovery; a fetch already under way can return records of one of them, which faust
skips unseen while the client's position moves past them. Its answer is to seek every
partition back to its committed offset once recovery ends, but aiokafka's
`seek_to_committed` skips a partition whose committed offset is none (or 0), so the
skipped records of a partition the group never committed are never read by this
worker. Seen here: a worker killed before committing the heartbeats it held
(processors.relay.states_buffer), or the first delivery attempts of a PBX session; its
successor's position stood past them, nothing folded them, and the partition never
caught up (aiokafka's position 2, faust's read offset none, nothing unacknowledged).

`install()` makes the seek complete: after seeking to the committed offsets, every
input partition with none is sought to its beginning, which is what the consumer's
`auto_offset_reset="earliest"` means. Changelog partitions are left to faust's
recovery, which places them itself. And the seek runs with faust's flow stopped, so
that no record fetched before it is handed over after it (`_seek_with_flow_stopped`).
"""

from collections.abc import Callable, Coroutine, Mapping

from aiokafka import AIOKafkaConsumer
from faust.transport.consumer import Consumer
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.types import TP

IsChangelog = Callable[[TP], bool]
Seek = Callable[[Consumer], Coroutine[object, object, None]]

_installed = False


async def seek_to_committed_or_start(
    consumer: AIOKafkaConsumer, is_changelog: IsChangelog
) -> Mapping[TP, int | None]:
    """Seek every assigned partition to its committed offset, or to its start if none."""
    committed: Mapping[TP, int | None] = await consumer.seek_to_committed()
    never = [tp for tp, offset in committed.items() if not offset and not is_changelog(tp)]
    if never:
        await consumer.seek_to_beginning(*never)
    return committed


def install() -> None:
    """Replace faust's consumer-thread seek with the complete one, run with the flow
    stopped (once per process)."""
    global _installed
    if _installed:
        return

    async def seek_to_committed(self: AIOKafkaConsumerThread) -> Mapping[TP, int | None]:
        is_changelog = self.consumer._is_changelog_tp
        client = self._ensure_consumer()
        result: Mapping[TP, int | None] = await self.call_thread(
            seek_to_committed_or_start, client, is_changelog
        )
        return result

    # mypy forbids replacing a method; replacing it is the point here.
    AIOKafkaConsumerThread.seek_to_committed = seek_to_committed  # type: ignore[method-assign,assignment]
    Consumer.perform_seek = _seek_with_flow_stopped(Consumer.perform_seek)  # type: ignore[method-assign,assignment]
    _installed = True


def _seek_with_flow_stopped(perform_seek: Seek) -> Seek:
    """faust's seek to the committed offsets, with nothing handed over while it runs.

    faust seeks the input partitions after resuming them, while its fetch loop may be
    handing over a batch fetched before: a record of that batch handed over after the
    seek moves faust's read offset past the records the seek reads again, and faust
    then drops them (it drops any record older than the last it handed over). Seen
    here: a worker that took partitions back never received a run of event reports
    answered 200. Stopping the flow ends that batch (faust's fetch loop hands nothing
    over while the flow is stopped) before the seek; the flow resumes after it.
    """

    async def seek(self: Consumer) -> None:
        was_active = self.flow_active
        self.stop_flow()
        try:
            await self.wait_for_stopped_flow()
            await perform_seek(self)
        finally:
            if was_active:
                self.resume_flow()

    return seek
