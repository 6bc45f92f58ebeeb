"""Maintenance windows from the command line: times, durations, a JSON file."""

import re
from datetime import UTC, datetime, timedelta

import click

_DURATION = re.compile(r"(\d+)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> timedelta:
    """`90m`, `2h`, `1d12h`, `3600s` (or plain seconds) as a timedelta."""
    if text.isdigit():
        return timedelta(seconds=int(text))
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise click.BadParameter(
            f"'{text}' is not a duration like 90m, 2h or 1d", param_hint="--for"
        )
    return timedelta(seconds=sum(int(n) * _UNITS[u] for n, u in parts))


def moment(text: str, hint: str) -> datetime:
    """An ISO 8601 time; one without an offset is UTC, as everywhere in the hub."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise click.BadParameter(f"'{text}' is not an ISO 8601 time", param_hint=hint) from e
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """A time as the hub writes it: UTC with `Z`."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def window(
    start: str | None, end: str | None, length: str | None, reason: str | None
) -> dict[str, object]:
    """One window: from `start` (default now) until `end` or for `length`."""
    if (end is None) == (length is None):
        raise click.UsageError("give the window's end: exactly one of --end and --for")
    begins = moment(start, "--start") if start else datetime.now(UTC)
    ends = moment(end, "--end") if end else begins + duration(str(length))
    body: dict[str, object] = {"start": iso(begins), "end": iso(ends)}
    if reason is not None:
        body["reason"] = reason
    return body
