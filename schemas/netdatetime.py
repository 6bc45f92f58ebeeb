""".NET date-times on the wire.

.NET writes `DateTime`/`DateTimeOffset` as `yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz`: up to
seven fractional digits (ticks of 100 ns) with trailing zeros trimmed, and an offset.
Python keeps microseconds only, so `NetDateTime` carries the seventh digit in `tick`
to let samples round-trip byte for byte. Plain datetimes are accepted everywhere.
"""

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Annotated, Any, Self, SupportsIndex

from pydantic import BeforeValidator, PlainSerializer

_ISO = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,7}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_MINUTE = timedelta(minutes=1)


class NetDateTime(datetime):
    """A datetime that also keeps .NET's seventh fractional digit.

    `tick` (0-9) counts hundreds of nanoseconds below `microsecond`. It survives
    `replace()`, copy and pickle; comparisons and hashing ignore it, and arithmetic or
    `astimezone()` give a result with tick 0.
    """

    # Class-level default: datetime's C code builds subclass instances without
    # calling __new__ (arithmetic, astimezone), and those must still have a tick.
    tick: int = 0

    def __new__(cls, *args: Any, tick: int = 0, **kwargs: Any) -> Self:
        self = super().__new__(cls, *args, **kwargs)
        self.tick = _checked_tick(tick)
        return self

    @classmethod
    def from_datetime(cls, d: datetime, tick: int = 0) -> "NetDateTime":
        """Copy a plain datetime into a NetDateTime with the given tick."""
        return cls(
            d.year, d.month, d.day, d.hour, d.minute, d.second, d.microsecond,
            d.tzinfo, fold=d.fold, tick=tick,
        )  # fmt: skip

    def replace(self, *args: Any, tick: int | None = None, **kwargs: Any) -> Self:
        """Like datetime.replace, keeping the tick unless a new one is given."""
        new = super().replace(*args, **kwargs)
        new.tick = self.tick if tick is None else _checked_tick(tick)
        return new

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple[Any, ...]:
        # datetime pickles its own fields only; without this copies lose the tick.
        plain = datetime(
            self.year, self.month, self.day, self.hour, self.minute, self.second,
            self.microsecond, self.tzinfo, fold=self.fold,
        )  # fmt: skip
        return (NetDateTime.from_datetime, (plain, self.tick))

    def __repr__(self) -> str:
        base = super().__repr__()
        return f"{base[:-1]}, tick={self.tick})" if self.tick else base


def _checked_tick(tick: int) -> int:
    if not 0 <= tick <= 9:
        raise ValueError(f"tick must be 0..9, got {tick}")
    return tick


# Heartbeats repeat the same transaction and error times for as long as a profile is
# idle, and every process reads them again: parsed and formatted values are cached
# (NetDateTime values are immutable, so sharing them is safe).
CACHE_SIZE = 65_536


@lru_cache(maxsize=CACHE_SIZE)
def parse_net_datetime(s: str) -> datetime:
    """Parse an ISO 8601 date-time as .NET writes it; no offset or `Z` means UTC."""
    m = _ISO.fullmatch(s)
    if m is None:
        raise ValueError("expected an ISO 8601 date-time like 2024-11-25T07:51:02.2345912-05:00")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    ticks = int(fraction.ljust(7, "0")) if fraction else 0
    return NetDateTime(
        int(year), int(month), int(day), int(hour), int(minute), int(second),
        ticks // 10, _parse_offset(offset), tick=ticks % 10,
    )  # fmt: skip


def _parse_offset(offset: str | None) -> timezone:
    if offset is None or offset == "Z":
        return UTC
    hours, minutes = int(offset[1:3]), int(offset[4:6])
    if minutes >= 60:
        raise ValueError("offset minutes must be below 60")
    delta = timedelta(hours=hours, minutes=minutes)
    # timezone() itself refuses offsets of 24 hours or more.
    return timezone(-delta if offset[0] == "-" else delta)


def format_net_datetime(d: datetime) -> str:
    """Format like .NET's `yyyy-MM-ddTHH:mm:ss.FFFFFFFzzz`, with `Z` for UTC."""
    # Equal datetimes in other zones compare (and hash) equal: the offset is in the key.
    return _format(d, getattr(d, "tick", 0), d.utcoffset())


@lru_cache(maxsize=CACHE_SIZE)
def _format(d: datetime, tick: int, offset: timedelta | None) -> str:
    if offset is not None and offset % _MINUTE:
        # .NET offsets are whole minutes; keep the instant by writing it in UTC.
        d, offset = d.astimezone(UTC), None
    text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
    fraction = f"{d.microsecond * 10 + tick:07d}".rstrip("0")
    if fraction:
        text += "." + fraction
    return text + _format_offset(offset)


def _format_offset(offset: timedelta | None) -> str:
    # A naive datetime is taken as UTC, the same rule parsing applies.
    if not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _validate(value: object) -> object:
    # Only strings and datetimes: pydantic would otherwise read numbers as Unix
    # times, which no .NET client sends.
    if isinstance(value, str):
        return parse_net_datetime(value.strip())
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    raise ValueError("expected an ISO 8601 date-time string")


NetDate = Annotated[
    datetime,
    BeforeValidator(_validate),
    PlainSerializer(format_net_datetime, return_type=str, when_used="json"),
]
"""A timezone-aware datetime read from and written as a .NET date-time string."""
