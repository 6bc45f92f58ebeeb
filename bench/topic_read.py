"""Read a topic from its start to its end as it is now: the fault suite's view of Kafka."""

import time
from collections.abc import Iterator
from typing import Any

import orjson
from kafka import KafkaConsumer, TopicPartition

POLL_MS = 1000


def values(bootstrap: str, topic: str, timeout_s: float = 120.0) -> Iterator[bytes]:
    """Every record's value, each partition in offset order; TimeoutError past `timeout_s`."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(parts)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end in {timeout_s:.0f} s")
            for records in consumer.poll(timeout_ms=POLL_MS, max_records=10_000).values():
                for record in records:
                    yield record.value
    finally:
        consumer.close()


def heartbeats(bootstrap: str, topic: str, timeout_s: float = 120.0) -> Iterator[dict[str, Any]]:
    """Every heartbeat of the heartbeats topic as JSON values, in order (a record may hold
    several: `schemas.heartbeat_records`)."""
    for raw in values(bootstrap, topic, timeout_s):
        doc = orjson.loads(raw)
        yield from doc if isinstance(doc, list) else [doc]


def heartbeat_count(bootstrap: str, topic: str, timeout_s: float = 120.0) -> int:
    """How many heartbeats the heartbeats topic holds (each has one `client_id` member)."""
    return sum(raw.count(b'"client_id"') for raw in values(bootstrap, topic, timeout_s))


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The end offset of every partition of `topic`."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: end for tp, end in consumer.end_offsets(parts).items()}
    finally:
        consumer.close()
