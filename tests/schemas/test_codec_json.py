"""JSON codec: byte-for-byte samples, nulls, enums as numbers, errors that name the field."""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas import codec_json
from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.errors import DecodeError
from schemas.netdatetime import NetDateTime
from schemas.relay import ProfileHeartbeatData, ProfileListResponseData, RelayInboundProfile

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def beats(*items: dict[str, Any]) -> bytes:
    return json.dumps(list(items)).encode()


def beat(**overrides: object) -> dict[str, Any]:
    return {"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1, **overrides}


@pytest.mark.parametrize(
    ("name", "decode", "encode"),
    [
        (
            "relay-heartbeat-request.json",
            codec_json.decode_heartbeats,
            codec_json.encode_heartbeats,
        ),
        ("relay-heartbeat-response.json", codec_json.decode_response, codec_json.encode_response),
    ],
)
def test_sample_round_trips_byte_for_byte(
    name: str, decode: Callable[[bytes], Any], encode: Callable[[Any], bytes]
) -> None:
    body = fixture(name)
    assert encode(decode(body)) == body.rstrip(b"\n")


def test_sample_request_decodes_to_typed_values() -> None:
    items = codec_json.decode_heartbeats(fixture("relay-heartbeat-request.json"))
    assert len(items) == 2
    first = items[0]
    assert first.ProfileType is ProfileType.Inbound
    assert first.ServerStatus is ServerStatus.Started
    assert first.LastTransactionId == "sample string 2"
    assert isinstance(first.LastErrorDateTime, NetDateTime)
    assert first.LastErrorDateTime.tick == 2


def test_response_is_written_lists_first_with_enums_as_numbers_and_nulls() -> None:
    r = ProfileListResponseData(ResponseStatus=ResponseStatus.Failure, LogMessage=None)
    assert json.loads(codec_json.encode_response(r)) == {
        "InboundProfileList": None,
        "OutboundProfileList": None,
        "ResponseStatus": 2,
        "LogMessage": None,
    }
    assert list(json.loads(codec_json.encode_response(r))) == [
        "InboundProfileList",
        "OutboundProfileList",
        "ResponseStatus",
        "LogMessage",
    ]


def test_empty_profile_list_is_written_as_an_empty_array() -> None:
    r = ProfileListResponseData(ResponseStatus=ResponseStatus.Success, InboundProfileList=[])
    assert b'"InboundProfileList": [],' in codec_json.encode_response(r)


def test_heartbeat_nulls_are_written_and_read_back_as_none() -> None:
    item = ProfileHeartbeatData(
        ProfileId=9, ProfileType=ProfileType.Outbound, ServerStatus=ServerStatus.Error
    )
    body = codec_json.encode_heartbeats([item])
    assert json.loads(body) == [
        {
            "ProfileId": 9,
            "ProfileType": 2,
            "ServerStatus": 6,
            "LastTransactionId": None,
            "LastTransactionDateTime": None,
            "LastError": None,
            "LastErrorDateTime": None,
        }
    ]
    assert codec_json.decode_heartbeats(body) == [item]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-25T12:51:02.2345912", datetime(2024, 11, 25, 12, 51, 2, 234591, UTC)),
        ("2024-11-25T12:51:02Z", datetime(2024, 11, 25, 12, 51, 2, tzinfo=UTC)),
        ("2024-11-25T07:51:02-05:00", datetime(2024, 11, 25, 12, 51, 2, tzinfo=UTC)),
    ],
)
def test_dates_with_and_without_offset_are_accepted(text: str, expected: datetime) -> None:
    (item,) = codec_json.decode_heartbeats(beats(beat(LastErrorDateTime=text)))
    assert item.LastErrorDateTime == expected


def test_profile_type_by_name_is_accepted() -> None:
    (item,) = codec_json.decode_heartbeats(beats(beat(ProfileType="Outbound")))
    assert item.ProfileType is ProfileType.Outbound


def test_unknown_members_are_ignored() -> None:
    (item,) = codec_json.decode_heartbeats(beats(beat(Extra={"nested": [1]})))
    assert item.ProfileId == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (beats({"ProfileId": 1, "ServerStatus": 1}), "[0].ProfileType"),
        (beats(beat(), beat(ProfileType="Sideways")), "[1].ProfileType"),
        (beats(beat(ServerStatus=99)), "[0].ServerStatus"),
        (beats(beat(ProfileId="abc")), "[0].ProfileId"),
        (beats(beat(ProfileId=2**31)), "[0].ProfileId"),
        (beats(beat(LastErrorDateTime="yesterday")), "[0].LastErrorDateTime"),
        (beats(beat(LastErrorDateTime=1732539062)), "[0].LastErrorDateTime"),
        (beats(beat(LastError=[5])), "[0].LastError"),
        (json.dumps(beat()).encode(), ""),
        (b"[1]", "[0]"),
        (b"null", ""),
        (b"[{", ""),
        (b"", ""),
        (b"\xff\xfe[]", ""),
    ],
)
def test_malformed_heartbeats_name_the_field_at_fault(body: bytes, field: str) -> None:
    with pytest.raises(DecodeError) as info:
        codec_json.decode_heartbeats(body)
    assert info.value.field == field
    assert info.value.reason


def test_missing_field_reason_says_required() -> None:
    with pytest.raises(DecodeError, match=r"field '\[0\].ProfileType': Field required"):
        codec_json.decode_heartbeats(beats({"ProfileId": 1, "ServerStatus": 1}))


def test_oversize_body_is_refused() -> None:
    body = beats(beat())
    assert codec_json.decode_heartbeats(body, max_bytes=len(body))
    with pytest.raises(DecodeError, match="larger than") as info:
        codec_json.decode_heartbeats(body, max_bytes=len(body) - 1)
    assert info.value.field == ""


def test_malformed_response_names_the_nested_field() -> None:
    body = json.dumps(
        {"ResponseStatus": 1, "InboundProfileList": [{}, {"ClientActionRequest": 300}]}
    ).encode()
    with pytest.raises(DecodeError) as info:
        codec_json.decode_response(body)
    assert info.value.field == "InboundProfileList[1].ClientActionRequest"


def test_dumps_writes_models_and_dates_in_wire_form() -> None:
    profile = RelayInboundProfile(
        LastHeartbeatDateTime=NetDateTime(2024, 1, 2, 3, 4, 5, 600000, UTC, tick=7)
    )
    data = codec_json.loads(
        codec_json.dumps({"p": profile, "at": datetime(2024, 1, 2, tzinfo=UTC)})
    )
    assert data["p"]["LastHeartbeatDateTime"] == "2024-01-02T03:04:05.6000007Z"
    assert data["at"] == "2024-01-02T00:00:00Z"


def test_dumps_indents_on_request() -> None:
    assert codec_json.dumps({"a": 1}, indent=True) == b'{\n  "a": 1\n}'
    assert codec_json.dumps({"a": 1}) == b'{"a":1}'


def test_dumps_refuses_unknown_types() -> None:
    with pytest.raises(TypeError):
        codec_json.dumps(object())


def test_loads_refuses_invalid_json_with_decode_error() -> None:
    with pytest.raises(DecodeError) as info:
        codec_json.loads(b"{nope")
    assert info.value.field == ""
