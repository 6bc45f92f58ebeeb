"""Decoding the values of the topics the sink reads into the `schemas` messages.

`EventDecoder.decode` gives the `schemas` messages of any record (a record of the
heartbeats topic may hold several: `schemas.heartbeat_records`); `EventDecoder.read`,
which the sink uses, gives heartbeats as `HeartbeatRecord`s read straight from their
JSON (`heartbeat_json`), and falls back to `decode` for a record that path does not
read, so both accept and refuse the same records.
"""

from collections.abc import Callable
from typing import TypeAlias

from pydantic import ValidationError

from schemas import heartbeat_records
from schemas.alert_delivery import ChannelAttempt
from schemas.customer_deletion import CustomerDeleted
from schemas.events import (
    HEALTH_TOPIC_EVENT,
    ChannelTest,
    ClientHealthEvent,
    CommandEvent,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.pbx_topics import DeliveryAttempt, PbxChange, decode_attempts
from schemas.topics import (
    CONFIG_EVENT,
    CustomerImported,
    CustomersImported,
    CustomerUpserted,
    HeartbeatMessage,
    ProfileDeleted,
    ProfileUpserted,
    TopicNames,
)
from sinks.sql.errors import SqlSinkError
from sinks.sql.heartbeat_json import read_heartbeats
from sinks.sql.heartbeats import HeartbeatRecord

Event: TypeAlias = (
    CustomerUpserted
    | CustomerImported
    | CustomerDeleted
    | ProfileUpserted
    | ProfileDeleted
    | HeartbeatMessage
    | CommandEvent
    | HealthEvent
    | ClientHealthEvent
    | PbxConnectionEvent
    | PbxChange
    | DeliveryAttempt
    | ChannelAttempt
)

SinkEvent: TypeAlias = Event | HeartbeatRecord
"""What the sink folds: a message, or a heartbeat the fast path read."""


class UndecodableRecord(SqlSinkError):
    """A record whose value is not the message its topic carries; it is skipped."""


def _heartbeats(value: bytes) -> list[Event]:
    return list(heartbeat_records.decode(value))


def _attempts(value: bytes) -> list[Event]:
    return list(decode_attempts(value))


def _health(value: bytes) -> Event | None:
    event = HEALTH_TOPIC_EVENT.validate_json(value)
    return None if isinstance(event, ChannelTest) else event  # a test has no table here


def _config(value: bytes) -> Event | list[Event] | None:
    event = CONFIG_EVENT.validate_json(value)
    if isinstance(event, CustomersImported):
        return list(event.imports())
    if isinstance(
        event,
        CustomerUpserted | CustomerImported | CustomerDeleted | ProfileUpserted | ProfileDeleted,
    ):
        return event
    return None  # a config event without a table here (maintenance windows, say)


class EventDecoder:
    """Knows which message each of the sink's topics carries."""

    def __init__(self, topics: TopicNames) -> None:
        self._heartbeats = topics.heartbeats
        self._by_topic: dict[str, Callable[[bytes], Event | list[Event] | None]] = {
            topics.config: _config,
            topics.heartbeats: _heartbeats,
            topics.command_events: CommandEvent.model_validate_json,
            topics.health_events: _health,
            topics.pbx_changes: PbxChange.model_validate_json,
            topics.pbx_deliveries: _attempts,
            topics.alert_deliveries: ChannelAttempt.model_validate_json,
        }

    @property
    def topics(self) -> list[str]:
        """The topics the sink subscribes to."""
        return list(self._by_topic)

    def decode(self, topic: str, value: bytes | None) -> list[Event]:
        """The messages in a record, none for a tombstone; raises UndecodableRecord."""
        if value is None:
            return []
        try:
            parse = self._by_topic[topic]
        except KeyError as e:
            raise UndecodableRecord(f"the sink does not read topic {topic!r}") from e
        try:
            found = parse(value)
        except ValidationError as e:
            raise UndecodableRecord(f"invalid {topic} record: {e.errors()[0]['msg']}") from e
        if found is None:
            return []
        return found if isinstance(found, list) else [found]

    def read(self, topic: str, value: bytes | None) -> list[SinkEvent]:
        """Like `decode`, but heartbeats come as `HeartbeatRecord`s when the record is in
        the hub's own form (the fast path); raises UndecodableRecord."""
        if topic == self._heartbeats and value is not None:
            records = read_heartbeats(value)
            if records is not None:
                return list(records)
        return list(self.decode(topic, value))
