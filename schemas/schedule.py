"""A weekly schedule in a time zone: when alerts may be sent for a customer or a profile.

Wire form (`TimeZone` an IANA name; `Hours` maps a day or a range of days to wall-clock
ranges)::

    {"TimeZone": "America/New_York",
     "Hours": {"mon-fri": ["07:00-19:00"], "sat": ["09:00-12:00", "13:00-15:00"]}}

A day range may wrap (`fri-mon` is fri, sat, sun, mon); `24:00` ends a range at the end
of its day; a range whose end is before its start crosses midnight (`22:00-06:00` on mon
is mon 22:00 to tue 06:00). Days not named are closed; a day named twice is an error.

Every boundary is a wall-clock time in the schedule's zone, turned into an instant thus:

- a wall time the clocks skip (spring forward) is the first instant after the gap, so
  `sun 02:30` in New York on the day clocks go 02:00 -> 03:00 is 03:00 EDT;
- a wall time the clocks show twice (fall back) is its first occurrence (fold=0), so
  `sun 01:30` on the day clocks go 02:00 -> 01:00 is 01:30 EDT. In the repeated hour
  the second time round, the schedule stays as it was when the clocks went back: the
  boundaries of that hour were passed once and are not passed again.

Open means from a range's start (inclusive) to its end (exclusive). Boundaries are whole
minutes, so seconds only matter as "before" or "after" one. `next_change` answers in UTC.
"""

import re
from bisect import bisect_right
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from itertools import count, groupby
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names in the order of `datetime.weekday()`."""
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES
_RANGE = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")

Interval = tuple[int, int]
"""Open from the first minute of the week (0 = mon 00:00) until the second, excluded."""


def days_of(key: str) -> tuple[int, ...]:
    """The weekdays (0 = mon) a key of `Hours` names: `mon`, or a range `mon-fri`/`fri-mon`."""
    first, sep, last = key.partition("-")
    if first not in DAYS or (sep and last not in DAYS):
        raise ValueError(f"{key!r} is not a day or a range of days (mon..sun, e.g. 'mon-fri')")
    start, end = DAYS.index(first), DAYS.index(last or first)
    if sep and start == end:
        raise ValueError(f"{key!r} names one day as a range; write {first!r}")
    return tuple((start + i) % 7 for i in range((end - start) % 7 + 1))


def minutes_of(text: str) -> Interval:
    """A `HH:MM-HH:MM` range as minutes of its day; an end before the start is the next day's."""
    match = _RANGE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a range of the form 'HH:MM-HH:MM'")
    sh, sm, eh, em = (int(g) for g in match.groups())
    if sh > 23 or sm > 59 or eh > 24 or em > 59 or (eh == 24 and em):
        raise ValueError(f"{text!r} has a time outside 00:00..23:59 (24:00 only as an end)")
    start, end = sh * 60 + sm, eh * 60 + em
    if start == end:
        raise ValueError(f"{text!r} is empty: it starts where it ends")
    return start, end if end > start else end + DAY_MINUTES


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as e:  # OSError: a folder, as "America"
        raise ValueError(f"unknown time zone {name!r} (an IANA name, e.g. 'Europe/Berlin')") from e
    return name


def _day_key(key: str) -> str:
    days_of(key)
    return key


def _time_range(text: str) -> str:
    minutes_of(text)
    return text


ZoneName = Annotated[str, AfterValidator(_known_zone)]
DayKey = Annotated[str, AfterValidator(_day_key)]
TimeRange = Annotated[str, AfterValidator(_time_range)]
Ranges = Annotated[tuple[TimeRange, ...], Field(min_length=1, max_length=8)]


def merged(intervals: list[Interval]) -> list[Interval]:
    """Sorted, disjoint intervals covering the same minutes, the week seen as a circle.

    Starts are in 0..10079; an end may pass 10080 (into next week's monday). Touching
    intervals are one, and so is the week's last with the first it reaches round the wrap.
    """
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    while len(out) > 1 and out[-1][1] >= out[0][0] + WEEK_MINUTES:
        first = out.pop(0)
        out[-1] = (out[-1][0], max(out[-1][1], first[1] + WEEK_MINUTES))
    return out


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The instant in (before, after] at which `zone` takes the UTC offset it has at `after`.

    The zone must change its offset once between them. Zone files give transitions in
    whole seconds, so whole seconds are searched.
    """
    lo, hi = int(before.timestamp() // 1), int(after.timestamp() // 1)
    target = datetime.fromtimestamp(hi, zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone; a schedule needs an instant")
    return at


class Schedule(BaseModel):
    """When alerts may be sent: open in the listed hours of each week, closed otherwise.

    The week's boundaries are computed once, when the model is built, so `is_open` and
    `next_change` are a bisect; hence the model is frozen (do not change `Hours` in place).
    """

    model_config = ConfigDict(frozen=True)

    TimeZone: ZoneName = Field(description="the IANA zone of the hours, e.g. 'Europe/Berlin'")
    Hours: dict[DayKey, Ranges] = Field(
        min_length=1,
        max_length=7,
        description="open hours by day ('mon') or range of days ('mon-fri'): 'HH:MM-HH:MM'",
    )

    _zone: ZoneInfo = PrivateAttr()
    _bounds: tuple[int, ...] = PrivateAttr(default=())
    """Minutes of the week at which it opens or closes, sorted; empty when open all week."""
    _opens: tuple[bool, ...] = PrivateAttr(default=())
    """For each of `_bounds`, whether it opens (else it closes)."""

    @field_validator("Hours")
    @classmethod
    def _each_day_once(cls, hours: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        named_by: dict[int, str] = {}
        for key in hours:
            for day in days_of(key):
                if day in named_by:
                    raise ValueError(f"{DAYS[day]!r} is in both {named_by[day]!r} and {key!r}")
                named_by[day] = key
        return hours

    # pydantic's signature, Any included; private attributes can be set only from here on.
    def model_post_init(self, context: Any, /) -> None:
        """Resolve the zone and compute the week's boundaries."""
        self._zone = ZoneInfo(self.TimeZone)
        week = merged(
            [
                (day * DAY_MINUTES + start, day * DAY_MINUTES + end)
                for key, ranges in self.Hours.items()
                for day in days_of(key)
                for start, end in map(minutes_of, ranges)
            ]
        )
        if len(week) == 1 and week[0][1] - week[0][0] >= WEEK_MINUTES:
            return  # open all week: no boundaries
        bounds = sorted([(s, True) for s, _ in week] + [(e % WEEK_MINUTES, False) for _, e in week])
        self._bounds = tuple(minute for minute, _ in bounds)
        self._opens = tuple(opens for _, opens in bounds)

    def is_open(self, at: datetime) -> bool:
        """Whether the schedule is open at `at` (timezone-aware)."""
        _, minute = self._position(_aware(at))
        if not self._bounds:
            return True
        return self._opens[bisect_right(self._bounds, minute) - 1]  # [-1]: last week's last

    def next_change(self, at: datetime) -> datetime | None:
        """The first instant (UTC) after `at` at which `is_open` changes; None if open all week."""
        monday, minute = self._position(_aware(at))
        if not self._bounds:
            return None
        # Boundaries in one gap of the clocks fall on one instant: an even number of them
        # changes nothing. No week is all gap, so a change comes.
        groups = groupby(self._instants(monday, bisect_right(self._bounds, minute)))
        while True:
            instant, same = next(groups)
            if sum(1 for _ in same) % 2:
                return instant

    def _position(self, at: datetime) -> tuple[datetime, int]:
        """The wall-clock monday 00:00 of `at`'s week, and the minute of the week `at` is in.

        In a repeated hour's second time round, that of the moment before the clocks went
        back, as its boundaries were passed then.
        """
        local = at.astimezone(UTC).astimezone(self._zone)  # through UTC: fold set by the zone
        if local.fold:
            went_back = _transition(self._zone, local.replace(fold=0), local)
            local = (went_back - timedelta(microseconds=1)).astimezone(self._zone)
        wall = local.replace(tzinfo=None)
        monday = datetime.combine(wall.date() - timedelta(days=wall.weekday()), time())
        return monday, (wall - monday) // timedelta(minutes=1)

    def _instants(self, monday: datetime, first: int) -> Iterator[datetime]:
        """The instants of the boundaries from the `first` of `monday`'s week on, endlessly."""
        for k in count(first):
            weeks, i = divmod(k, len(self._bounds))
            wall = monday + timedelta(minutes=self._bounds[i] + weeks * WEEK_MINUTES)
            yield self._instant(wall)

    def _instant(self, wall: datetime) -> datetime:
        """The instant (UTC) the zone's clocks first show `wall`, or end skipping over it."""
        first = wall.replace(tzinfo=self._zone, fold=0)
        instant = first.astimezone(UTC)
        if instant.astimezone(self._zone).replace(tzinfo=None) == wall:
            return instant
        # Skipped: fold=1 reads it with the offset after the gap, an instant before the gap.
        return _transition(self._zone, wall.replace(tzinfo=self._zone, fold=1), first)
