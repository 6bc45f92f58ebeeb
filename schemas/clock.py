"""The hub's clock: wall time, optionally shifted by an offset read from a file.

Production reads the system clock. Tests and demos set `HUB_CLOCK_OFFSET_FILE` to a
file holding a number of seconds; every process of the hub then runs that far ahead,
so ttl expiry, deadlines and windows can be exercised without sleeping.
"""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REREAD_S = 0.1


class Clock:
    """`now()` is timezone-aware UTC; the offset file is re-read when it changes.

    A change is seen at once by the file's identity, time and size, and within
    `REREAD_S` in any case: two writes within one tick of the file system's
    timestamps, of the same size, onto a reused inode, look alike.
    """

    def __init__(self, offset_file: str | None = None) -> None:
        self.offset_file = Path(offset_file) if offset_file else None
        self._stamp: tuple[int, int, int] | None = None
        self._offset = 0.0
        self._read_at = 0.0

    def offset(self) -> float:
        """The current offset in seconds (0 without a file)."""
        if self.offset_file is None:
            return 0.0
        try:
            st = self.offset_file.stat()
        except FileNotFoundError:
            return 0.0
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp != self._stamp or time.monotonic() - self._read_at >= REREAD_S:
            self._offset = read_offset(self.offset_file)
            self._stamp = stamp
            self._read_at = time.monotonic()
        return self._offset

    def now(self) -> datetime:
        """The hub's current time."""
        return datetime.now(UTC) + timedelta(seconds=self.offset())


def write_offset(path: Path, seconds: float) -> None:
    """Set the offset file atomically: a reader never sees it empty or half written.

    A new file replaces the old one, so its inode changes and every `Clock` re-reads
    it even when the two writes fall within one tick of the file system's timestamps.
    """
    spare = path.with_name(path.name + ".next")
    spare.write_text(repr(float(seconds)))
    os.replace(spare, path)


def read_offset(path: Path) -> float:
    """The offset a file holds (0 when it is missing or blank)."""
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return 0.0
    return float(text) if text else 0.0


def from_env() -> Clock:
    """The clock the environment asks for."""
    return Clock(os.environ.get("HUB_CLOCK_OFFSET_FILE") or None)
