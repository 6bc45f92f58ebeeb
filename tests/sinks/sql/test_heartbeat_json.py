"""The heartbeat fast path: what it reads equals what the model path gives, and what it
does not read the model path reads or refuses, so the sink skips the same records."""

from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from schemas import heartbeat_records
from schemas.enums import ServerStatus
from schemas.events import Health
from schemas.topics import HeartbeatMessage, TopicNames
from sinks.sql.batch import Batch
from sinks.sql.events import EventDecoder, UndecodableRecord
from sinks.sql.heartbeat_json import net_utc, read_heartbeats
from sinks.sql.heartbeats import HeartbeatRecord, ProfileReport, record_of
from tests.sinks.sql import samples as s


def read_heartbeat(value: bytes) -> HeartbeatRecord | None:
    """The one heartbeat of a record holding one (an object), None if unread."""
    records = read_heartbeats(value)
    return records[0] if records is not None and len(records) == 1 else None


NAMES = TopicNames("hub.")
HUB_JSON = s.heartbeat(
    45,
    s.entry(1, tx="t1", tx_at=s.at(-3)),
    s.entry(2, ServerStatus.Error, error="down", tx_at=s.at(-1)),
).model_dump_json()


def doc(**changes: Any) -> dict[str, Any]:
    """The sample heartbeat as JSON values, with top-level fields changed."""
    value: dict[str, Any] = orjson.loads(HUB_JSON)
    return value | changes


def entry(**changes: Any) -> dict[str, Any]:
    """A heartbeat with one entry, its fields changed (None deletes one)."""
    value = doc()
    fields = value["profiles"][0] | changes
    value["profiles"] = [{k: v for k, v in fields.items() if v is not None}]
    return value


def encode(value: object) -> bytes:
    return orjson.dumps(value)


def test_hub_record_is_read_as_the_model_path_reads_it() -> None:
    record = read_heartbeat(HUB_JSON.encode())
    assert record is not None
    assert record == record_of(HeartbeatMessage.model_validate_json(HUB_JSON))
    assert (record.client_id, record.received_at) == ("acme", s.at(45))
    assert record.minute == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
    assert record.entries[0] == ProfileReport(
        "acme", 1, 1, 1, "t1", s.at(-3), None, None, s.at(45)
    )  # fmt: skip
    assert record.entries[1][3:8] == (6, None, s.at(-1), "down", s.at(-1))


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-25T07:51:02.2345912-05:00",  # seven digits: the tick is dropped
        "2024-11-25T07:51:02Z",
        "2024-11-25T07:51:02.5",  # no offset means UTC
        " 2024-11-25T23:51:02+14:00 ",
        "2024-11-25T00:00:00.0000001+00:30",
    ],
)
def test_net_date_times_equal_the_model_path_s_as_plain_utc(text: str) -> None:
    value = entry(LastTransactionDateTime=text)
    fast = read_heartbeat(encode(value))
    model = record_of(HeartbeatMessage.model_validate_json(encode(value)))
    assert fast is not None
    at = fast.entries[0].last_transaction_at
    assert at == model.entries[0].last_transaction_at
    assert isinstance(at, datetime)
    assert (type(at), at.tzinfo) == (datetime, UTC)
    assert net_utc(text) is net_utc(text)  # cached


@pytest.mark.parametrize(
    "received",
    ["2026-11-21T00:00:15.5+01:00", "2026-11-21T00:00:15", "2026-11-21T00:00:15.000001Z"],
)
def test_received_at_in_other_offsets_is_the_same_utc_instant(received: str) -> None:
    value = encode(doc(received_at=received))
    fast = read_heartbeat(value)
    assert fast == record_of(HeartbeatMessage.model_validate_json(value))
    assert fast is not None
    assert (type(fast.received_at), fast.received_at.tzinfo) == (datetime, UTC)


MALFORMED: list[object] = [
    b"not json",
    b"[7]",  # an array, but not of heartbeats ([] is a record of none)
    b"{}",
    doc(client_id=7),
    doc(client_id=None),
    doc(received_at="yesterday"),
    doc(received_at="2026-13-01T00:00:00Z"),
    doc(profiles={"ProfileId": 1}),
    doc(profiles=[7]),
    doc(delivered_commands=None),
    doc(delivered_commands=[1]),
    entry(ProfileId=None),
    entry(ProfileId=2**31),
    entry(ProfileId="one"),
    entry(ProfileType=3),
    entry(ServerStatus=0),
    entry(ServerStatus="Running"),
    entry(LastTransactionId=["t"]),
    entry(LastTransactionDateTime="25/11/2024"),
    entry(LastTransactionDateTime=1732521062),
    entry(LastErrorDateTime="2024-11-25T07:51:02+24:00"),
    entry(LastError={"code": 1}),
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_record_is_not_read_and_the_decoder_refuses_it(value: object) -> None:
    raw = value if isinstance(value, bytes) else encode(value)
    assert read_heartbeat(raw) is None
    with pytest.raises(UndecodableRecord):
        EventDecoder(NAMES).read(NAMES.heartbeats, raw)
    with pytest.raises(UndecodableRecord):  # one bad heartbeat refuses its whole record
        EventDecoder(NAMES).read(NAMES.heartbeats, b"[" + HUB_JSON.encode() + b"," + raw + b"]")


@pytest.mark.parametrize(
    "value",
    [
        entry(ServerStatus="Stopped"),  # by name, as XML writes it
        entry(ProfileType="1"),
        entry(ProfileId=1.0),
        entry(LastTransactionId=42),  # a number into a string member, as Json.NET does
        doc(received_at="2026-11-21 00:00:15Z"),
    ],
)
def test_record_the_model_reads_with_a_conversion_takes_the_model_path(value: object) -> None:
    raw = encode(value)
    assert read_heartbeat(raw) is None
    events = EventDecoder(NAMES).read(NAMES.heartbeats, raw)
    assert events == [HeartbeatMessage.model_validate_json(raw)]
    # The same heartbeat among others in one record: the whole record takes the model path.
    many = b"[" + HUB_JSON.encode() + b"," + raw + b"]"
    assert read_heartbeats(many) is None
    assert EventDecoder(NAMES).read(NAMES.heartbeats, many)[1] == events[0]


def test_decoder_reads_hub_heartbeats_fast_and_other_topics_as_messages() -> None:
    decoder = EventDecoder(NAMES)
    [one] = decoder.read(NAMES.heartbeats, HUB_JSON.encode())
    assert isinstance(one, HeartbeatRecord)
    assert decoder.read(NAMES.heartbeats, None) == []
    health = s.health(0, Health.down)
    assert decoder.read(NAMES.health_events, health.model_dump_json().encode()) == [health]


def test_a_record_of_several_heartbeats_is_read_fast_in_order() -> None:
    first = s.heartbeat(0, s.entry(1, tx="t1"))
    second = s.heartbeat(10, s.entry(1, ServerStatus.Stopped))
    raw = heartbeat_records.encode([m.model_dump_json().encode() for m in (first, second)])
    records = EventDecoder(NAMES).read(NAMES.heartbeats, raw)
    assert records == [record_of(first), record_of(second)]
    assert all(isinstance(r, HeartbeatRecord) for r in records)


def test_null_fields_keep_their_last_known_value_as_with_the_model_path() -> None:
    first = s.heartbeat(0, s.entry(1, tx="t1", tx_at=s.at(-1), error="down"))
    second = s.heartbeat(10, s.entry(1, ServerStatus.Stopped))
    fast, model = Batch(), Batch()
    for offset, message in enumerate((first, second)):
        record = read_heartbeat(message.model_dump_json().encode())
        assert record is not None
        fast.add(record, offset)
        model.add(message, offset)
    assert fast.reported == model.reported
    state = fast.reported[("acme", 1, 1)]
    assert (state.server_status, state.last_heartbeat_at) == (2, s.at(10))
    assert (state.last_transaction_id, state.last_transaction_at) == ("t1", s.at(-1))
    assert (state.last_error, state.last_error_at) == ("down", s.at(-1))
