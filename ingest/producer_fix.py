"""Work around kafka-python 3.0.x's idempotent producer stalling for good after a stall.

When a batch that was already sent expires (the broker paused past the delivery
timeout), the sender calls `TransactionManager.reset_producer_id()` so that the next
batches do not leave a gap in the sequence numbers. kafka-python 3.0.12 clears the
producer id there but leaves the manager in READY, while its sender asks for a new id
only from UNINITIALIZED (`init_producer_id()` is a no-op in any other state). The
sender then waits for an id that nobody requests and never sends again, while
metadata and connections look healthy. The Java client (KAFKA-7737) moves back to
UNINITIALIZED in the same place, which is what this patch does.

The publisher also replaces a producer that stops completing sends (see
`ingest.publisher`), so an unknown cause of the same symptom is survived as well.
"""

import logging
from typing import Any

from kafka.errors import KafkaTimeoutError
from kafka.producer import transaction_manager as _tm

log = logging.getLogger(__name__)
_PATCHED = "_hub_reset_returns_to_uninitialized"


def apply() -> None:
    """Patch `reset_producer_id` once per process; harmless where upstream is fixed."""
    manager: Any = _tm.TransactionManager
    if getattr(manager, _PATCHED, False):
        return
    original = manager.reset_producer_id

    def reset_producer_id(self: Any) -> None:
        original(self)
        if self.is_transactional():
            return
        with self._lock:
            # Not `_transition_to`: READY -> UNINITIALIZED is not in its table.
            self._current_state = _tm.TransactionState.UNINITIALIZED
        log.info("idempotent producer id reset; a new one will be requested")

    manager.reset_producer_id = reset_producer_id
    setattr(manager, _PATCHED, True)


def close_producer(producer: Any, timeout_s: float) -> None:
    """Close a producer within `timeout_s`, failing what it still holds.

    `KafkaProducer.close()` flushes first and raises `KafkaTimeoutError` when the flush
    does not finish in time, before it gets to force-closing the I/O thread; a stuck
    producer would then keep its thread, its sockets and its callers' futures.
    """
    try:
        producer.close(timeout=timeout_s)
    except KafkaTimeoutError:
        sender = producer._sender
        if sender is not None:
            sender.force_close()  # aborts the incomplete batches: their futures fail
            sender.join(timeout_s + 1.0)
        producer._closed = True
