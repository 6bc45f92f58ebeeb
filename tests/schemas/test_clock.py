"""The hub's clock: an offset file written while it is read is never seen blank."""

import threading
from pathlib import Path

from schemas.clock import Clock, read_offset, write_offset


def test_every_write_is_seen_at_once(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    clock = Clock(str(path))
    for n in range(1, 300):
        write_offset(path, n)
        assert clock.offset() == n


def test_a_reader_never_sees_the_file_blank(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    write_offset(path, 1000)
    seen: list[float] = []
    errors: list[Exception] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(read_offset(path))
            except Exception as e:  # a torn read: the test must see it
                errors.append(e)

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(2000):
        write_offset(path, 1000 + n)
    done.set()
    reader.join()
    assert not errors, errors[:3]
    assert len(seen) > 10
    assert min(seen) >= 1000


def test_no_file_means_no_offset(tmp_path: Path) -> None:
    assert Clock(str(tmp_path / "missing")).offset() == 0.0
    assert Clock(None).offset() == 0.0
