"""Helpers of the customer deletion tests: what a hub's topics hold last, and its SQL sink."""

import contextlib
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from pydantic import SecretStr
from sqlalchemy import Engine, text

from localkafka import postgres
from localkafka.http import Reply, call
from localkafka.hub import HubCluster
from sinks.sql.consumer import SqlSink
from sinks.sql.database import create_sink_engine
from sinks.sql.migrate import upgrade
from sinks.sql.settings import SqlSinkSettings

Latest = dict[bytes, bytes | None]
"""Each key of a topic and its last value (None: a tombstone)."""


def latest(hub: HubCluster, topic: str) -> Latest:
    """Every key of a topic of the hub, read from the start, and its last value."""
    consumer = KafkaConsumer(bootstrap_servers=hub.bootstrap, consumer_timeout_ms=1500)
    try:
        parts = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        return {r.key: r.value for r in consumer}
    finally:
        consumer.close()


def table_key(key: str) -> list[bytes]:
    """A table key as a changelog may hold it: raw, or serialized as a JSON string."""
    return [key.encode(), json.dumps(key).encode()]


def tombstoned(found: Latest, key: str) -> bool:
    """Whether the table key was written and its last record is a tombstone."""
    written = [k for k in table_key(key) if k in found]
    return bool(written) and all(found[k] is None for k in written)


def as_token(hub: HubCluster, token: str, method: str, path: str) -> Reply:
    """An admin call with a scoped token."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return call(method, f"{hub.url}/admin{path}", None, headers)


def new_token(hub: HubCluster, client_ids: list[str], access: str) -> tuple[str, str]:
    """A scoped token: (its id, the token)."""
    reply = hub.admin("POST", "/tokens", {"Name": "t", "ClientIds": client_ids, "Access": access})
    assert reply.status == 201, reply.body
    doc = reply.json()
    return str(doc["Id"]), str(doc["Token"])


@contextlib.contextmanager
def sql_sink(hub: HubCluster) -> Iterator[Engine]:
    """The SQL sink on the hub's topics, into a fresh PostgreSQL database, in a thread."""
    url = postgres.create_database()
    engine = create_sink_engine(url)
    settings = SqlSinkSettings(
        kafka_bootstrap=hub.bootstrap,
        topic_prefix=hub.prefix,
        partitions=hub.partitions,
        database_url=SecretStr(url),
        consumer_group=f"del-{uuid.uuid4().hex[:8]}",
        batch_linger_s=0.1,
        rejoin_timeout_s=15.0,
    )
    upgrade(engine)
    stop = threading.Event()
    thread = threading.Thread(target=SqlSink(settings, engine).run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield engine
    finally:
        stop.set()
        thread.join(60)
        engine.dispose()
        postgres.drop_database(url)


def rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """The rows of a query, as dicts."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]
