"""Parsing and formatting of .NET date-times."""

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from schemas.netdatetime import NetDate, NetDateTime, format_net_datetime, parse_net_datetime

EST = timezone(timedelta(hours=-5))


class Stamped(BaseModel):
    at: NetDate
    maybe: NetDate | None = None


def test_seven_fractional_digits_keep_the_tick() -> None:
    d = parse_net_datetime("2024-11-25T07:51:02.2345912-05:00")
    assert d == datetime(2024, 11, 25, 7, 51, 2, 234591, EST)
    assert isinstance(d, NetDateTime)
    assert d.tick == 2


@pytest.mark.parametrize(
    "text",
    [
        "2024-11-25T07:51:02.2345912-05:00",
        "2024-11-25T07:51:02.359579-05:00",
        "2024-11-25T07:51:02.3752062-05:00",
        "2024-11-25T07:51:02.0000001+05:30",
        "2024-11-25T07:51:02.1-03:30",
        "2024-11-25T07:51:02Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.9999999+14:00",
    ],
)
def test_net_form_round_trips_exactly(text: str) -> None:
    assert format_net_datetime(parse_net_datetime(text)) == text


def test_date_without_offset_is_utc() -> None:
    d = parse_net_datetime("2024-11-25T07:51:02.5")
    assert d.utcoffset() == timedelta(0)
    assert d == datetime(2024, 11, 25, 7, 51, 2, 500000, UTC)
    assert format_net_datetime(d) == "2024-11-25T07:51:02.5Z"


def test_z_suffix_is_utc() -> None:
    assert parse_net_datetime("2024-11-25T12:00:00Z") == datetime(2024, 11, 25, 12, tzinfo=UTC)


def test_zero_offset_is_written_as_z() -> None:
    assert format_net_datetime(parse_net_datetime("2024-11-25T12:00:00+00:00")).endswith(":00Z")


def test_trailing_zeros_are_trimmed_and_zero_fraction_has_no_dot() -> None:
    assert format_net_datetime(datetime(2024, 1, 2, 3, 4, 5, 120000, UTC)) == (
        "2024-01-02T03:04:05.12Z"
    )
    assert format_net_datetime(datetime(2024, 1, 2, 3, 4, 5, 0, EST)) == (
        "2024-01-02T03:04:05-05:00"
    )


def test_naive_datetime_is_formatted_as_utc() -> None:
    assert format_net_datetime(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"


def test_offset_with_seconds_is_written_as_the_same_instant_in_utc() -> None:
    odd = timezone(timedelta(hours=1, seconds=30))
    assert format_net_datetime(datetime(2024, 1, 2, 3, 4, 35, tzinfo=odd)) == (
        "2024-01-02T02:04:05Z"
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2024-11-25",
        "2024-11-25 07:51:02Z",
        "2024-11-25T07:51:02.12345678Z",
        "2024-11-25T07:51:02.Z",
        "2024-13-01T00:00:00Z",
        "2024-11-25T24:00:00Z",
        "2024-11-25T07:51:02+05:60",
        "2024-11-25T07:51:02+24:00",
        "2024-11-25T07:51:02+0500x",
        "\uff12\uff10\uff12\uff14-11-25T07:51:02Z",
    ],
)
def test_malformed_dates_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the contract is ValueError itself
        parse_net_datetime(text)


def test_tick_survives_replace_copy_and_pickle() -> None:
    d = NetDateTime(2024, 11, 25, 7, 51, 2, 234591, EST, tick=2)
    assert d.replace(second=3).tick == 2
    assert d.replace(tick=7).tick == 7
    for clone in (copy.copy(d), copy.deepcopy(d), pickle.loads(pickle.dumps(d))):  # noqa: S301
        assert isinstance(clone, NetDateTime)
        assert clone.tick == 2
        assert clone == d


def test_arithmetic_resets_the_tick() -> None:
    d = NetDateTime(2024, 11, 25, 7, 51, 2, 234591, EST, tick=2)
    later = d + timedelta(seconds=1)
    assert later.tick == 0
    assert format_net_datetime(later) == "2024-11-25T07:51:03.234591-05:00"


def test_comparison_ignores_the_tick() -> None:
    plain = datetime(2024, 11, 25, 7, 51, 2, 234591, EST)
    assert NetDateTime.from_datetime(plain, tick=9) == plain
    assert hash(NetDateTime.from_datetime(plain, tick=9)) == hash(plain)


@pytest.mark.parametrize("tick", [-1, 10])
def test_tick_out_of_range_is_refused(tick: int) -> None:
    with pytest.raises(ValueError, match="tick"):
        NetDateTime(2024, 1, 1, tick=tick)


def test_repr_shows_a_nonzero_tick() -> None:
    assert repr(NetDateTime(2024, 1, 1, tick=3)).endswith(", tick=3)")


def test_net_date_field_parses_strings_and_serialises_in_net_form() -> None:
    m = Stamped.model_validate({"at": "2024-11-25T07:51:02.2345912-05:00"})
    assert isinstance(m.at, NetDateTime)
    assert m.model_dump(mode="json") == {"at": "2024-11-25T07:51:02.2345912-05:00", "maybe": None}
    assert m.model_dump()["at"] is m.at


def test_net_date_field_makes_naive_datetimes_utc() -> None:
    m = Stamped(at=datetime(2024, 1, 2, 3, 4, 5))
    assert m.at.tzinfo is not None
    assert m.at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", [1732539062, 1.5, "yesterday", True])
def test_net_date_field_refuses_numbers_and_junk(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        Stamped.model_validate({"at": value})
    assert info.value.errors()[0]["loc"] == ("at",)


def test_equal_instants_in_other_zones_format_with_their_own_offsets() -> None:
    # Formatting is cached, and equal instants compare and hash equal across zones.
    utc = parse_net_datetime("2024-11-25T12:51:02.2345912Z")
    eastern = parse_net_datetime("2024-11-25T07:51:02.2345912-05:00")
    assert utc == eastern
    assert format_net_datetime(utc) == "2024-11-25T12:51:02.2345912Z"
    assert format_net_datetime(eastern) == "2024-11-25T07:51:02.2345912-05:00"


def test_the_seventh_digit_is_part_of_the_cached_format() -> None:
    plain = datetime(2024, 11, 25, 12, 51, 2, 234591, tzinfo=UTC)
    ticked = NetDateTime.from_datetime(plain, tick=2)
    assert plain == ticked
    assert format_net_datetime(plain) == "2024-11-25T12:51:02.234591Z"
    assert format_net_datetime(ticked) == "2024-11-25T12:51:02.2345912Z"
