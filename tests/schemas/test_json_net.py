"""Relay JSON read as Json.NET reads it: Microsoft dates, names and enum members in any case."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from schemas import codec_json
from schemas.enums import ProfileType, ServerStatus
from schemas.errors import DecodeError
from tests import dotnet

INSTANT = datetime(2024, 11, 25, 12, 51, 2, 234000, UTC)


def beat(**overrides: object) -> dict[str, Any]:
    return {"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1, **overrides}


def decode_one(item: dict[str, Any]) -> Any:
    (decoded,) = codec_json.decode_heartbeats(json.dumps([item]).encode())
    return decoded


@pytest.mark.parametrize(
    "raw",
    [
        rb'"\/Date(1732539062234)\/"',
        rb'"/Date(1732539062234)/"',
        rb'"\/Date(1732539062234-0500)\/"',
        rb'"/Date(1732539062234+0530)/"',
    ],
)
def test_microsoft_dates_are_the_utc_instant_in_any_spelling(raw: bytes) -> None:
    body = b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1, "LastErrorDateTime": '
    (item,) = codec_json.decode_heartbeats(body + raw + b"}]")
    assert item.LastErrorDateTime == INSTANT


def test_microsoft_date_offset_keeps_the_senders_zone() -> None:
    item = decode_one(beat(LastTransactionDateTime="/Date(1732539062234-0500)/"))
    assert item.LastTransactionDateTime.utcoffset() == timedelta(hours=-5)
    assert item.LastTransactionDateTime.hour == 7


def test_microsoft_dates_before_the_epoch_are_read() -> None:
    item = decode_one(beat(LastErrorDateTime="/Date(-86400000)/"))
    assert item.LastErrorDateTime == datetime(1969, 12, 31, tzinfo=UTC)


def test_answers_still_write_iso_dates() -> None:
    item = decode_one(beat(LastErrorDateTime="/Date(1732539062234-0500)/"))
    (written,) = json.loads(codec_json.encode_heartbeats([item]))
    assert written["LastErrorDateTime"] == "2024-11-25T07:51:02.234-05:00"


@pytest.mark.parametrize(
    "text",
    [
        "/Date(abc)/",
        "/Date()/",
        "/Date(1732539062234)",
        "/Date(1732539062234-05)/",
        "/Date(1732539062234-0575)/",
        "/Date(1732539062234+2400)/",
        "/Date(999999999999999999)/",
        "/Date(-99999999999999999)/",
        "/Date(253402300799999+2359)/",
    ],
)
def test_malformed_or_out_of_range_microsoft_dates_are_refused_naming_the_field(
    text: str,
) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(beat(LastTransactionDateTime=text))
    assert info.value.field == "[0].LastTransactionDateTime"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-11-25 12:51:02", datetime(2024, 11, 25, 12, 51, 2, tzinfo=UTC)),
        ("2024-11-25 07:51:02-05:00", datetime(2024, 11, 25, 12, 51, 2, tzinfo=UTC)),
        ("2024-11-25", datetime(2024, 11, 25, tzinfo=UTC)),
        ("", None),
        ("  ", None),
    ],
)
def test_dates_as_net_parses_them_are_accepted(text: str, expected: datetime | None) -> None:
    assert decode_one(beat(LastErrorDateTime=text)).LastErrorDateTime == expected


@pytest.mark.parametrize("text", ["11/25/2024", "25.11.2024 10:00", "2024-11-25T", "tomorrow"])
def test_culture_dependent_or_malformed_dates_are_refused(text: str) -> None:
    with pytest.raises(DecodeError) as info:
        decode_one(beat(LastErrorDateTime=text))
    assert info.value.field == "[0].LastErrorDateTime"


def test_property_names_in_any_case_are_matched() -> None:
    item = decode_one(
        {
            "profileId": 7,
            "PROFILETYPE": 2,
            "serverstatus": 6,
            "lastTransactionId": "tx-1",
            "lastErrorDateTime": "/Date(1732539062234)/",
            "lasterror": "disk full",
        }
    )
    assert (item.ProfileId, item.ProfileType, item.ServerStatus) == (
        7,
        ProfileType.Outbound,
        ServerStatus.Error,
    )
    assert (item.LastTransactionId, item.LastError) == ("tx-1", "disk full")
    assert item.LastErrorDateTime == INSTANT


def test_an_exact_name_is_kept_beside_a_case_variant_written_after_it() -> None:
    # Json.NET sets the member once per occurrence; the last one written wins.
    body = b'[{"ProfileId": 1, "profileid": 2, "ProfileType": 1, "ServerStatus": 1}]'
    (item,) = codec_json.decode_heartbeats(body)
    assert item.ProfileId == 2


def test_missing_member_is_named_in_its_canonical_case() -> None:
    with pytest.raises(DecodeError) as info:
        decode_one({"profileId": 1, "serverStatus": 1})
    assert info.value.field == "[0].ProfileType"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("outbound", ProfileType.Outbound), ("INBOUND", ProfileType.Inbound), ("2", 2), (2, 2)],
)
def test_enum_members_by_name_in_any_case_or_number(value: object, expected: int) -> None:
    assert decode_one(beat(ProfileType=value)).ProfileType == expected


def test_numbers_written_as_strings_and_strings_as_numbers_are_read() -> None:
    item = decode_one(beat(ProfileId="42", LastTransactionId=1234, LastError=1.5))
    assert (item.ProfileId, item.LastTransactionId, item.LastError) == (42, "1234", "1.5")


def test_a_utf8_byte_order_mark_is_skipped() -> None:
    body = b"\xef\xbb\xbf" + json.dumps([beat()]).encode()
    assert codec_json.decode_heartbeats(body)[0].ProfileId == 1


@pytest.mark.parametrize(
    "body",
    [
        b'[{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1,}]',
        b"[{'ProfileId': 1, 'ProfileType': 1, 'ServerStatus': 1}]",
        b'[{ProfileId: 1, "ProfileType": 1, "ServerStatus": 1}]',
        b'/* c */ [{"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1}]',
        b'[{"ProfileId": NaN, "ProfileType": 1, "ServerStatus": 1}]',
    ],
)
def test_what_is_not_json_is_refused_as_a_whole(body: bytes) -> None:
    with pytest.raises(DecodeError) as info:
        codec_json.decode_heartbeats(body)
    assert info.value.field == ""
    assert "invalid JSON" in info.value.reason


def test_an_offset_zone_is_not_confused_with_the_local_one() -> None:
    item = decode_one(beat(LastErrorDateTime="/Date(0+0100)/"))
    assert item.LastErrorDateTime.tzinfo == timezone(timedelta(hours=1))
    assert item.LastErrorDateTime == datetime(1970, 1, 1, tzinfo=UTC)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DATACONTRACT_SAMPLE = FIXTURES / "relay-heartbeat-request-datacontractjson.json"


def test_datacontractjsonserializer_output_is_read() -> None:
    first, second = codec_json.decode_heartbeats(DATACONTRACT_SAMPLE.read_bytes())
    assert first.LastTransactionDateTime == INSTANT
    assert first.LastTransactionDateTime.utcoffset() == timedelta(hours=-5)
    assert first.LastErrorDateTime == INSTANT
    assert (second.ProfileType, second.ServerStatus) == (ProfileType.Outbound, ServerStatus.Error)
    assert second.LastError == "disk full"


@pytest.mark.usefixtures("mono")
def test_the_datacontract_sample_is_what_mono_writes(tmp_path: Path) -> None:
    written = dotnet.run(dotnet.build("DataContractJsonClient.cs", tmp_path))
    assert written.returncode == 0, written.stderr
    assert written.stdout == DATACONTRACT_SAMPLE.read_bytes()
