"""The hub's clock: wall time, optionally shifted by an offset read from a file.

Production reads the system clock. Tests and demos set `HUB_CLOCK_OFFSET_FILE` to a
file holding a number of seconds; every process of the hub then runs that far ahead,
so ttl expiry, deadlines and windows can be exercised without sleeping.
"""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path


class Clock:
    """`now()` is timezone-aware UTC; the offset file is re-read when it changes."""

    def __init__(self, offset_file: str | None = None) -> None:
        self.offset_file = Path(offset_file) if offset_file else None
        self._stamp: float | None = None
        self._offset = 0.0

    def offset(self) -> float:
        """The current offset in seconds (0 without a file)."""
        if self.offset_file is None:
            return 0.0
        try:
            stamp = self.offset_file.stat().st_mtime_ns
        except FileNotFoundError:
            return 0.0
        if stamp != self._stamp:
            text = self.offset_file.read_text().strip()
            self._offset = float(text) if text else 0.0
            self._stamp = stamp
        return self._offset

    def now(self) -> datetime:
        """The hub's current time."""
        return datetime.now(UTC) + timedelta(seconds=self.offset())


def from_env() -> Clock:
    """The clock the environment asks for."""
    return Clock(os.environ.get("HUB_CLOCK_OFFSET_FILE") or None)
