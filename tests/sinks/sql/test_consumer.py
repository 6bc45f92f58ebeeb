"""Pure parts of the sink's consumer loop and decoding."""

import pytest

from schemas.events import CommandState, Health
from schemas.pbx_topics import ChangeKind, encode_attempts
from schemas.pbx_upstream import ConnectionState
from schemas.topics import TopicNames
from sinks.sql.consumer import FIRST_BACKOFF_S, Backoff
from sinks.sql.database import UnsupportedDatabaseUrl, create_sink_engine
from sinks.sql.events import EventDecoder, UndecodableRecord
from sinks.sql.writer import SqlWriter
from tests.sinks.sql import samples as s

NAMES = TopicNames("hub.")


def test_backoff_doubles_up_to_its_limit_and_resets() -> None:
    backoff = Backoff(max_s=3.0)
    assert [backoff.next_delay() for _ in range(5)] == [FIRST_BACKOFF_S, 1.0, 2.0, 3.0, 3.0]
    backoff.reset()
    assert backoff.next_delay() == FIRST_BACKOFF_S


def test_decoder_reads_each_topic_s_message() -> None:
    decoder = EventDecoder(NAMES)
    assert set(decoder.topics) == {
        NAMES.config, NAMES.heartbeats, NAMES.command_events, NAMES.health_events,
        NAMES.pbx_changes, NAMES.pbx_deliveries, NAMES.alert_deliveries,
    }  # fmt: skip
    event = s.heartbeat(0)
    assert decoder.decode(NAMES.heartbeats, event.model_dump_json().encode()) == [event]
    config = s.deleted()
    assert decoder.decode(NAMES.config, config.model_dump_json().encode()) == [config]
    change = s.session(ChangeKind.session_renewed, 60)
    assert decoder.decode(NAMES.pbx_changes, change.model_dump_json().encode()) == [change]
    attempt = s.delivery(3)
    assert decoder.decode(NAMES.pbx_deliveries, attempt.model_dump_json().encode()) == [attempt]
    burst = [s.delivery(4), s.delivery(5)]  # a burst's attempts, one record
    assert decoder.decode(NAMES.pbx_deliveries, encode_attempts(burst)) == burst
    client = s.client_health(30, Health.down)
    assert decoder.decode(NAMES.health_events, client.model_dump_json().encode()) == [client]
    sent = s.channel_attempt(2)
    assert decoder.decode(NAMES.alert_deliveries, sent.model_dump_json().encode()) == [sent]


def test_health_events_topic_carries_profile_health_and_pbx_connection_changes() -> None:
    decoder = EventDecoder(NAMES)
    health = s.health(0, Health.down, Health.up)
    assert decoder.decode(NAMES.health_events, health.model_dump_json().encode()) == [health]
    change = s.connection(5, ConnectionState.credentials_rejected)
    assert decoder.decode(NAMES.health_events, change.model_dump_json().encode()) == [change]
    with pytest.raises(UndecodableRecord):
        decoder.decode(NAMES.health_events, b'{"kind": "something-new", "client_id": "acme"}')


def test_tombstone_decodes_to_nothing() -> None:
    assert EventDecoder(NAMES).decode(NAMES.config, None) == []


@pytest.mark.parametrize("value", [b"not json", b"{}", s.customer().model_dump_json().encode()])
def test_record_that_is_not_its_topic_s_message_is_undecodable(value: bytes) -> None:
    with pytest.raises(UndecodableRecord):
        EventDecoder(NAMES).decode(NAMES.heartbeats, value)


def test_only_sqlite_and_postgresql_urls_are_accepted() -> None:
    with pytest.raises(UnsupportedDatabaseUrl):
        create_sink_engine("mysql://u:p@localhost/hub")


def test_value_no_column_can_hold_is_refused_before_sql() -> None:
    writer = SqlWriter(create_sink_engine("sqlite://"), retention_days=30)
    with pytest.raises(UndecodableRecord):
        writer.add(s.command(2**31, CommandState.delivered), offset=0)
    with pytest.raises(UndecodableRecord):
        writer.add(s.delivery(1, attempt=2**31), offset=1)
    assert len(writer) == 0


def test_session_change_without_its_session_is_refused_before_sql() -> None:
    writer = SqlWriter(create_sink_engine("sqlite://"), retention_days=30)
    change = s.session(ChangeKind.session_renewed, 60).model_copy(update={"session": None})
    with pytest.raises(UndecodableRecord, match="carries no session"):
        writer.add(change, offset=0)
    assert len(writer) == 0
