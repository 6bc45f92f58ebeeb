"""A paced background loop: `step(n)` for n = 0, 1, 2, ... at `rate` a second, until stopped."""

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Ticker:
    """Runs `step` in a daemon thread of its own; a slow step delays the next, never skips it."""

    rate: float
    step: Callable[[int], None]
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        """Begin stepping."""
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the step in progress."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        interval = 1.0 / self.rate
        for n in itertools.count():
            if self._stop.is_set():
                return
            due = time.monotonic() + interval
            self.step(n)
            self._stop.wait(max(0.0, due - time.monotonic()))


class Paced:
    """A load posting in the background: `start` calls `_post(n)` at `rate` a second until
    `stop`. The dataclasses using it declare `rate` and `_ticker` (default None)."""

    rate: float
    _ticker: Ticker | None

    def _post(self, n: int) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Post until stopped."""
        self._ticker = Ticker(self.rate, self._post)
        self._ticker.start()

    def stop(self) -> None:
        """Stop posting; what was posted may still be received until `close`."""
        if self._ticker is not None:
            self._ticker.stop()
