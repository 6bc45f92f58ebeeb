"""Records of the heartbeats topic: several heartbeats of one partition in one record.

A record of the heartbeats topic costs the same whatever it carries: a produce entry
for the ingress, a log entry for the broker, and for every consumer a record fetched,
handed through faust's streams (the workers) or kafka-python's parser (the SQL sink)
and acknowledged. So the ingress writes the heartbeats of a batch that go to the same
partition as one record: a JSON array of `HeartbeatMessage`s, in the order they were
accepted (`ingest.heartbeat_batches`). A record holding one JSON object (one heartbeat,
as earlier versions wrote them) is read too.

A heartbeat is placed by its sequence number, `seq(offset, index)`: its record's offset
and its index in the record. It orders the heartbeats of a partition as the offsets
order the records, and stands where a heartbeat's offset stood before: the orders
count a heartbeat once by it (`processors.relay.orders.on_heartbeat`), and an ingress knows
by it whether the replica has folded its own heartbeat (`ingest.own_orders`).
"""

from collections.abc import Iterator, Sequence

from pydantic import TypeAdapter

from schemas.topics import HeartbeatMessage

INDEX_BITS = 16
MAX_PER_RECORD = 1 << INDEX_BITS
"""Heartbeats one record may hold (its index is the low bits of the sequence number)."""

MAX_RECORD_BYTES = 512 * 1024
"""A record is closed past this size (Kafka's default limit is 1 MB a record); one
heartbeat larger than it is a record of its own."""

_MANY = TypeAdapter(list[HeartbeatMessage])


def seq(offset: int, index: int) -> int:
    """The sequence number of the `index`-th heartbeat of the record at `offset`."""
    return (offset << INDEX_BITS) | index


def encode(values: Sequence[bytes]) -> bytes:
    """One record holding these heartbeats (each a `HeartbeatMessage`'s JSON)."""
    return b"[" + b",".join(values) + b"]"


def decode(raw: bytes) -> list[HeartbeatMessage]:
    """The heartbeats a record holds; raises pydantic's ValidationError if unreadable."""
    if raw.lstrip()[:1] == b"[":
        return _MANY.validate_json(raw)
    return [HeartbeatMessage.model_validate_json(raw)]


def grouped(
    values: Sequence[tuple[bytes, int]], max_bytes: int = MAX_RECORD_BYTES
) -> Iterator[tuple[int, list[int]]]:
    """The records to write for (value, partition) pairs in order: each as its partition
    and the indexes of the values it holds, in order, none past `max_bytes` (unless one
    value alone is) or MAX_PER_RECORD values."""
    open_: dict[int, tuple[list[int], int]] = {}
    for i, (value, partition) in enumerate(values):
        held = open_.get(partition)
        if held is not None and (
            held[1] + len(value) + 1 > max_bytes or len(held[0]) >= MAX_PER_RECORD
        ):
            yield partition, held[0]
            held = None
        if held is None:
            open_[partition] = ([i], len(value) + 2)
        else:
            held[0].append(i)
            open_[partition] = (held[0], held[1] + len(value) + 1)
    for partition, (indexes, _) in open_.items():
        yield partition, indexes
