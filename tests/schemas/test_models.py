"""The relay models: field names and order, ranges, enums, errors."""

import json
from enum import IntEnum
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas.enums import ClientAction, HeartbeatCommand, ProfileType, ResponseStatus, ServerStatus
from schemas.errors import DecodeError, SchemaError, field_path
from schemas.relay import (
    InboundProfileBase,
    OutboundProfileBase,
    ProfileHeartbeatData,
    ProfileListResponseData,
    RelayInboundProfile,
    RelayOutboundProfile,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
STATE_FIELDS = [
    "ServerStatus",
    "LastTransactionDateTime",
    "PendingHeartbeatCommand",
    "LastHeartbeatDateTime",
]


def sample(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def beat(**overrides: object) -> dict[str, object]:
    return {"ProfileId": 1, "ProfileType": 1, "ServerStatus": 1, **overrides}


@pytest.mark.parametrize(
    ("model", "keys"),
    [
        (ProfileHeartbeatData, lambda: list(sample("relay-heartbeat-request.json")[0])),
        (
            RelayInboundProfile,
            lambda: list(sample("relay-heartbeat-response.json")["InboundProfileList"][0]),
        ),
        (
            RelayOutboundProfile,
            lambda: list(sample("relay-heartbeat-response.json")["OutboundProfileList"][0]),
        ),
    ],
)
def test_fields_are_declared_in_the_json_sample_order(model: type[BaseModel], keys: Any) -> None:
    assert list(model.model_fields) == keys()


@pytest.mark.parametrize(
    ("base", "full"),
    [(InboundProfileBase, RelayInboundProfile), (OutboundProfileBase, RelayOutboundProfile)],
)
def test_wire_profile_is_the_base_plus_the_state_fields(
    base: type[BaseModel], full: type[BaseModel]
) -> None:
    assert list(full.model_fields) == [*base.model_fields, *STATE_FIELDS]
    assert "ServerStatus" not in base.model_fields


def test_response_fields_are_the_sample_properties() -> None:
    assert set(ProfileListResponseData.model_fields) == set(sample("relay-heartbeat-response.json"))


def test_heartbeat_requires_id_type_and_status() -> None:
    with pytest.raises(ValidationError) as info:
        ProfileHeartbeatData.model_validate({})
    missing = {e["loc"][0] for e in info.value.errors() if e["type"] == "missing"}
    assert missing == {"ProfileId", "ProfileType", "ServerStatus"}


def test_optional_heartbeat_fields_default_to_none() -> None:
    item = ProfileHeartbeatData.model_validate(beat())
    assert item.LastTransactionId is None
    assert item.LastErrorDateTime is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("Outbound", ProfileType.Outbound), ("2", ProfileType.Outbound), (2, ProfileType.Outbound)],
)
def test_enums_are_accepted_by_name_or_number(value: object, expected: ProfileType) -> None:
    assert ProfileHeartbeatData.model_validate(beat(ProfileType=value)).ProfileType is expected


def test_unknown_enum_name_is_refused_with_the_valid_names() -> None:
    with pytest.raises(ValidationError, match=r"Inbound \(1\), Outbound \(2\)"):
        ProfileHeartbeatData.model_validate(beat(ProfileType="Sideways"))


def test_enum_names_are_case_sensitive() -> None:
    with pytest.raises(ValidationError):
        ProfileHeartbeatData.model_validate(beat(ServerStatus="started"))


@pytest.mark.parametrize("value", [0, 7, 99])
def test_unknown_server_status_number_is_refused(value: int) -> None:
    with pytest.raises(ValidationError):
        ProfileHeartbeatData.model_validate(beat(ServerStatus=value))


@pytest.mark.parametrize(
    "field", ["ClientActionRequest", "ServerStatus", "PendingHeartbeatCommand"]
)
@pytest.mark.parametrize("value", [-1, 256])
def test_byte_fields_refuse_values_outside_0_to_255(field: str, value: int) -> None:
    with pytest.raises(ValidationError) as info:
        RelayInboundProfile.model_validate({field: value})
    assert info.value.errors()[0]["loc"] == (field,)


def test_profile_server_status_is_a_byte_not_the_enum() -> None:
    profile = RelayOutboundProfile.model_validate({"ServerStatus": 64})
    assert profile.ServerStatus == 64
    assert not isinstance(profile.ServerStatus, ServerStatus)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1])
def test_int_fields_refuse_values_outside_int32(value: int) -> None:
    with pytest.raises(ValidationError):
        ProfileHeartbeatData.model_validate(beat(ProfileId=value))


def test_unknown_members_are_ignored() -> None:
    item = ProfileHeartbeatData.model_validate(beat(Future="x"))
    assert "Future" not in item.model_dump()


def test_response_status_is_required() -> None:
    with pytest.raises(ValidationError, match="ResponseStatus"):
        ProfileListResponseData.model_validate({})


def test_enum_values_match_the_design() -> None:
    def table(enum: type[IntEnum]) -> list[tuple[str, int]]:
        return [(m.name, m.value) for m in enum]

    assert table(ProfileType) == [("Inbound", 1), ("Outbound", 2)]
    assert table(ServerStatus) == [
        ("Started", 1),
        ("Stopped", 2),
        ("Starting", 3),
        ("Stopping", 4),
        ("Paused", 5),
        ("Error", 6),
    ]
    assert table(ResponseStatus) == [("Success", 1), ("Failure", 2)]
    assert table(ClientAction) == [("NONE", 0), ("START", 1), ("STOP", 2)]
    assert table(HeartbeatCommand) == [
        ("NONE", 0),
        ("START", 1),
        ("STOP", 2),
        ("RESTART", 3),
        ("RELOAD_CONFIGURATION", 4),
        ("UPLOAD_LOGS", 5),
    ]


def test_decode_error_names_the_field() -> None:
    error = DecodeError("[1].ProfileType", "Input should be 1 or 2")
    assert isinstance(error, SchemaError)
    assert str(error) == "field '[1].ProfileType': Input should be 1 or 2"
    assert (error.field, error.reason) == ("[1].ProfileType", "Input should be 1 or 2")


@pytest.mark.parametrize(
    ("loc", "prefix", "expected"),
    [
        ((), "", ""),
        ((0, "ProfileType"), "", "[0].ProfileType"),
        (("InboundProfileList", 2, "ServerStatus"), "", "InboundProfileList[2].ServerStatus"),
        (("ProfileId",), "[3]", "[3].ProfileId"),
    ],
)
def test_field_path_renders_pydantic_locations(
    loc: tuple[int | str, ...], prefix: str, expected: str
) -> None:
    assert field_path(loc, prefix) == expected


def test_decode_error_from_validation_error_uses_the_first_error() -> None:
    with pytest.raises(ValidationError) as info:
        ProfileListResponseData.model_validate(
            {"ResponseStatus": 1, "InboundProfileList": [{}, {"ReceivePort": "x"}]}
        )
    error = DecodeError.from_validation_error(info.value)
    assert error.field == "InboundProfileList[1].ReceivePort"
    assert "integer" in error.reason
