"""Weekly schedules: the wire form, its errors, and when a schedule opens and closes."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from schemas.schedule import Interval, Schedule, merged

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {"mon-fri": ["07:00-19:00"], "sat": ["09:00-12:00", "13:00-15:00"]}


def schedule(hours: dict[str, list[str]], zone: str = "America/New_York") -> Schedule:
    return Schedule.model_validate({"TimeZone": zone, "Hours": hours})


def ny(day: int, hour: int, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    """New York wall time in the week of Monday 2024-01-08 (day 0 = mon), no DST near."""
    return datetime(2024, 1, 8 + day, hour, minute, second, micro, tzinfo=NEW_YORK)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def first_error(body: dict[str, Any]) -> tuple[tuple[int | str, ...], str]:
    with pytest.raises(ValidationError) as caught:
        Schedule.model_validate(body)
    error = caught.value.errors()[0]
    return error["loc"], error["msg"]


# The wire form.


def test_the_wire_form_round_trips() -> None:
    body = {"TimeZone": "America/New_York", "Hours": OFFICE}
    assert Schedule.model_validate_json(json.dumps(body)).model_dump(mode="json") == body


def test_a_day_is_open_in_each_of_its_ranges_and_closed_between_them() -> None:
    office = schedule(OFFICE)
    assert office.is_open(ny(5, 10))
    assert not office.is_open(ny(5, 12, 30))
    assert office.is_open(ny(5, 13))
    assert not office.is_open(ny(5, 15))


def test_a_range_of_days_names_every_day_from_the_first_to_the_last() -> None:
    office = schedule({"mon-fri": ["07:00-19:00"]})
    assert [office.is_open(ny(day, 8)) for day in range(7)] == [True] * 5 + [False] * 2


def test_a_range_of_days_may_wrap_round_the_end_of_the_week() -> None:
    weekend = schedule({"fri-mon": ["07:00-19:00"]})
    opens = [weekend.is_open(ny(day, 8)) for day in range(7)]
    assert opens == [True, False, False, False, True, True, True]


def test_days_not_named_are_closed_all_day() -> None:
    tuesday = schedule({"tue": ["00:00-24:00"]})
    assert [tuesday.is_open(ny(day, 12)) for day in range(7)] == [d == 1 for d in range(7)]
    assert not tuesday.is_open(ny(0, 23, 59))
    assert not tuesday.is_open(ny(2, 0))


def test_a_range_ending_before_it_starts_crosses_midnight() -> None:
    night = schedule({"mon": ["22:00-06:00"]})
    assert not night.is_open(ny(0, 21, 59))
    assert night.is_open(ny(0, 22))
    assert night.is_open(ny(1, 5, 59))
    assert not night.is_open(ny(1, 6))
    assert not night.is_open(ny(0, 5))  # not monday morning: the range starts on monday


def test_a_sunday_night_range_runs_into_monday_morning() -> None:
    night = schedule({"sun": ["22:00-06:00"]})
    assert night.is_open(ny(7, 5, 59))
    assert not night.is_open(ny(7, 6))
    assert night.next_change(ny(6, 23)) == ny(7, 6)


def test_a_sunday_night_range_joins_monday_mornings_hours() -> None:
    night = schedule({"sun": ["22:00-06:00"], "mon": ["06:00-08:00"]})
    assert night.next_change(ny(6, 23)) == ny(7, 8)
    assert night.is_open(ny(0, 7))


def test_24_00_ends_a_range_at_the_end_of_its_day() -> None:
    evening = schedule({"sat": ["20:00-24:00"]})
    assert evening.is_open(ny(5, 23, 59, 59, 999_999))
    assert not evening.is_open(ny(6, 0))
    assert evening.next_change(ny(5, 21)) == ny(6, 0)


@pytest.mark.parametrize(
    "ranges", [["07:00-12:00", "12:00-19:00"], ["07:00-13:00", "12:00-19:00"], ["07:00-19:00"]]
)
def test_touching_or_overlapping_ranges_are_one_open_interval(ranges: list[str]) -> None:
    assert schedule({"mon": ranges}).next_change(ny(0, 8)) == ny(0, 19)


def test_a_range_into_the_next_day_joins_that_days_hours() -> None:
    night = schedule({"mon": ["22:00-06:00"], "tue": ["06:00-08:00"]})
    assert night.next_change(ny(0, 23)) == ny(1, 8)


@pytest.mark.parametrize(
    ("intervals", "week"),
    [
        ([(720, 1140), (420, 720)], [(420, 1140)]),
        ([(420, 780), (600, 700), (720, 1140)], [(420, 1140)]),
        ([(9960, 10440), (360, 480), (2000, 2100)], [(2000, 2100), (9960, 10560)]),
        ([(9960, 10080), (0, 60)], [(9960, 10140)]),
        ([(9960, 10079), (0, 60)], [(0, 60), (9960, 10079)]),
    ],
)
def test_the_week_is_merged_into_disjoint_intervals_round_the_wrap(
    intervals: list[Interval], week: list[Interval]
) -> None:
    assert merged(intervals) == week


def test_the_schedule_is_frozen() -> None:
    office = schedule(OFFICE)
    with pytest.raises(ValidationError, match="frozen"):
        office.TimeZone = "Europe/Berlin"


# Errors: each names the field and the offending key or value.


@pytest.mark.parametrize("zone", ["Mars/Olympus", "America", "../etc/passwd", ""])
def test_an_unknown_time_zone_is_refused_by_name(zone: str) -> None:
    loc, msg = first_error({"TimeZone": zone, "Hours": OFFICE})
    assert loc == ("TimeZone",)
    assert f"unknown time zone {zone!r}" in msg


@pytest.mark.parametrize("key", ["monday", "Mon", "mon-frx", "mon-", "", "mon-tue-wed"])
def test_a_key_that_is_not_a_day_or_a_range_of_days_is_refused(key: str) -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {key: ["07:00-19:00"]}})
    assert loc == ("Hours", key, "[key]")
    assert f"{key!r} is not a day or a range of days" in msg


def test_a_range_of_one_day_is_refused() -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"mon-mon": ["07:00-19:00"]}})
    assert loc == ("Hours", "mon-mon", "[key]")
    assert "write 'mon'" in msg


def test_a_day_named_twice_is_refused_naming_both_keys() -> None:
    hours = {"mon-fri": ["07:00-19:00"], "sat": ["09:00-12:00"], "fri": ["20:00-22:00"]}
    loc, msg = first_error({"TimeZone": "UTC", "Hours": hours})
    assert loc == ("Hours",)
    assert "'fri' is in both 'mon-fri' and 'fri'" in msg


@pytest.mark.parametrize(
    "text",
    ["7:00-19:00", "07:00", "07:00 - 19:00", "07:00-19:00-20:00", "0700-1900", "07:00-19:0a"],
)
def test_a_malformed_range_is_refused(text: str) -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"mon": ["06:00-07:00", text]}})
    assert loc == ("Hours", "mon", 1)
    assert f"{text!r} is not a range of the form 'HH:MM-HH:MM'" in msg


@pytest.mark.parametrize("text", ["07:00-25:00", "07:60-08:00", "24:00-06:00", "07:00-24:30"])
def test_a_range_with_an_impossible_time_is_refused(text: str) -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"tue": [text]}})
    assert loc == ("Hours", "tue", 0)
    assert f"{text!r} has a time outside 00:00..23:59" in msg


@pytest.mark.parametrize("text", ["07:00-07:00", "00:00-00:00"])
def test_a_zero_length_range_is_refused(text: str) -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"wed": [text]}})
    assert loc == ("Hours", "wed", 0)
    assert f"{text!r} is empty" in msg


def test_empty_hours_are_refused() -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {}})
    assert loc == ("Hours",)
    assert "at least 1 item" in msg


def test_a_day_with_no_ranges_is_refused() -> None:
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"mon": []}})
    assert loc == ("Hours", "mon")
    assert "at least 1 item" in msg


def test_more_than_eight_ranges_for_a_key_are_refused() -> None:
    ranges = [f"{h:02}:00-{h:02}:30" for h in range(9)]
    assert len(schedule({"mon": ranges[:8]}).Hours["mon"]) == 8
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {"mon": ranges}})
    assert loc == ("Hours", "mon")
    assert "at most 8 items" in msg


def test_more_than_seven_keys_are_refused() -> None:
    hours = {day: ["07:00-08:00"] for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]}
    assert len(schedule(hours).Hours) == 7
    loc, msg = first_error({"TimeZone": "UTC", "Hours": {**hours, "mon-tue": ["09:00-10:00"]}})
    assert loc == ("Hours",)
    assert "at most 7 items" in msg


# Open and closed, and the next change.


def test_a_range_is_open_from_its_start_and_closed_from_its_end() -> None:
    office = schedule(OFFICE)
    assert not office.is_open(ny(0, 6, 59, 59, 999_999))
    assert office.is_open(ny(0, 7))
    assert office.is_open(ny(0, 18, 59, 59, 999_999))
    assert not office.is_open(ny(0, 19))


def test_an_instant_in_another_zone_is_read_on_the_schedules_clock() -> None:
    office = schedule(OFFICE)
    assert not office.is_open(utc("2024-01-08T11:59"))  # 06:59 EST
    assert office.is_open(utc("2024-01-08T12:00"))  # 07:00 EST


def test_an_instant_on_the_schedules_own_clock_is_read_by_its_instant() -> None:
    early = schedule({"mon": ["07:00-08:00"], "sun": ["02:00-03:00"]})
    assert early.is_open(datetime(2024, 1, 8, 7, tzinfo=NEW_YORK, fold=1))  # fold: no matter
    skipped = datetime(2024, 3, 10, 2, 30, tzinfo=NEW_YORK)  # fold=0 reads it as 03:30 EDT
    assert not early.is_open(skipped)
    assert early.next_change(skipped) == utc("2024-03-11T11:00")  # mon 07:00 EDT


def test_next_change_is_strictly_after_the_instant_given() -> None:
    office = schedule(OFFICE)
    assert office.next_change(ny(0, 7)) == ny(0, 19)
    assert office.next_change(ny(0, 6, 59)) == ny(0, 7)


def test_next_change_crosses_the_end_of_the_week() -> None:
    office = schedule({"mon-fri": ["07:00-19:00"]})
    assert office.next_change(ny(4, 19)) == ny(7, 7)


def test_next_change_is_given_in_utc() -> None:
    change = schedule(OFFICE).next_change(ny(0, 8))
    assert change is not None
    assert change.tzinfo is UTC


def test_next_change_over_a_weekend_when_the_clocks_change() -> None:
    office = schedule({"mon-fri": ["07:00-19:00"]}, "Europe/Berlin")
    friday_evening = datetime(2024, 3, 29, 20, tzinfo=BERLIN)  # CET; CEST from sunday
    assert office.next_change(friday_evening) == utc("2024-04-01T05:00")  # 07:00 CEST


def test_an_opening_skipped_by_spring_forward_is_the_end_of_the_gap_in_new_york() -> None:
    early = schedule({"sun": ["02:30-04:00"]})  # 2024-03-10: 02:00 EST becomes 03:00 EDT
    assert early.next_change(utc("2024-03-10T06:00")) == utc("2024-03-10T07:00")  # 03:00 EDT
    assert not early.is_open(utc("2024-03-10T06:59"))  # 01:59 EST
    assert early.is_open(utc("2024-03-10T07:00"))
    assert early.next_change(utc("2024-03-10T07:00")) == utc("2024-03-10T08:00")  # 04:00 EDT


def test_a_range_wholly_in_the_spring_forward_gap_does_not_open_that_day() -> None:
    lost = schedule({"sun": ["02:10-02:40"]})
    assert lost.next_change(utc("2024-03-09T12:00")) == utc("2024-03-17T06:10")  # 02:10 EDT
    assert not lost.is_open(utc("2024-03-10T07:00"))


def test_a_closing_skipped_by_spring_forward_is_the_end_of_the_gap_in_berlin() -> None:
    night = schedule({"sun": ["01:00-02:30"]}, "Europe/Berlin")  # 2024-03-31: 02:00 -> 03:00
    assert night.next_change(utc("2024-03-31T00:30")) == utc("2024-03-31T01:00")  # 03:00 CEST
    assert night.is_open(utc("2024-03-31T00:59"))
    assert not night.is_open(utc("2024-03-31T01:00"))


def test_an_opening_in_the_repeated_hour_is_its_first_occurrence_in_new_york() -> None:
    early = schedule({"sun": ["01:30-03:00"]})  # 2024-11-03: 02:00 EDT becomes 01:00 EST
    assert early.next_change(utc("2024-11-03T04:00")) == utc("2024-11-03T05:30")  # 01:30 EDT
    assert early.is_open(utc("2024-11-03T06:15"))  # 01:15 EST, after the opening
    assert early.next_change(utc("2024-11-03T06:15")) == utc("2024-11-03T08:00")  # 03:00 EST


def test_a_closing_in_the_repeated_hour_is_its_first_occurrence_in_berlin() -> None:
    night = schedule({"sun": ["00:00-02:30"]}, "Europe/Berlin")  # 2024-10-27: 03:00 -> 02:00
    assert night.next_change(utc("2024-10-26T23:30")) == utc("2024-10-27T00:30")  # 02:30 CEST
    assert not night.is_open(utc("2024-10-27T01:15"))  # 02:15 CET: it does not open again
    assert night.next_change(utc("2024-10-27T00:30")) == utc("2024-11-02T23:00")  # next sun


TRICKY = {
    "sat": ["23:30-01:10"],
    "sun": ["01:20-01:40", "02:05-02:15", "02:30-02:35", "02:50-03:30"],
    "mon": ["00:00-00:01"],
}
"""Boundaries in and beside both the gap and the repeated hour of either zone."""


@pytest.mark.parametrize(
    ("zone", "saturday_22h", "count"),
    [  # in spring, the four boundaries in the gap make no change, and 02:50 opens at 03:00
        ("America/New_York", "2024-03-10T03:00", 6),
        ("America/New_York", "2024-11-03T02:00", 10),
        ("Europe/Berlin", "2024-03-30T21:00", 6),
        ("Europe/Berlin", "2024-10-26T20:00", 10),
    ],
)
def test_next_change_is_the_first_instant_where_is_open_changes(
    zone: str, saturday_22h: str, count: int
) -> None:
    tricky = schedule(TRICKY, zone)
    minutes = [utc(saturday_22h) + timedelta(minutes=i) for i in range(12 * 60)]
    opens = [tricky.is_open(t) for t in minutes]
    changes = [t for t, was, now in zip(minutes[1:], opens, opens[1:], strict=False) if was != now]
    assert len(changes) == count
    for t in minutes:
        if t < changes[-1]:
            assert tricky.next_change(t) == next(c for c in changes if c > t), t


@pytest.mark.parametrize(
    "hours",
    [
        {"mon-sun": ["00:00-24:00"]},
        {"mon-sat": ["00:00-24:00"], "sun": ["00:00-12:00", "12:00-24:00"]},
        {"tue-mon": ["06:00-24:00", "00:00-06:00"]},
        {"mon-sun": ["06:00-05:59", "05:59-06:00"]},
    ],
)
def test_a_schedule_open_all_week_never_changes(hours: dict[str, list[str]]) -> None:
    always = schedule(hours)
    assert always.next_change(ny(3, 12)) is None
    assert all(always.is_open(ny(0, 0) + timedelta(minutes=m)) for m in range(0, 10080, 7))


def test_a_schedule_open_all_week_but_a_minute_changes() -> None:
    almost = schedule({"mon-sun": ["06:00-05:59"]})
    assert almost.next_change(ny(3, 12)) == ny(4, 5, 59)
    assert not almost.is_open(ny(4, 5, 59))


@pytest.mark.parametrize("method", [Schedule.is_open, Schedule.next_change])
def test_a_naive_datetime_is_refused(method: Callable[[Schedule, datetime], object]) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        method(schedule(OFFICE), datetime(2024, 1, 8, 7))
