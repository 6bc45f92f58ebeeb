"""Shed load instead of queueing it: answer 503 at once past either of two bounds.

Offered more than the hub can take, a queue in front of the workers only grows: every
answer gets later, memory grows, and clients time out and retry into it. So heartbeats
and PBX API calls are answered 503 with `Retry-After` at once (nothing recorded,
nothing changed) while either

- `HUB_MAX_IN_FLIGHT` requests are in flight in this ingress process (the queue in
  front of the workers; the bound matches the pool of connections to them), or
- the process's own event loop ran more than `HUB_MAX_LOOP_LAG_S` late at each of the
  last two probes, `LAG_PROBE_S` apart (the queue in front of the ingress itself:
  requests read and accepted but not yet handled, which the first bound cannot see
  when the ingress's own CPU is what runs out). Two in a row, so that one pause of the
  process (a scheduler's hiccup, a collection) sheds nothing.

Answering 503 costs far less than accepting, so the ingress catches up, the answers it
accepts keep their latency, and it recovers as soon as the load drops.
"""

import asyncio
import time
from dataclasses import dataclass

from ingest.metrics import LOOP_LAG, SHED

LAG_PROBE_S = 0.02
"""How often the event loop's lateness is measured."""


@dataclass
class Gate:
    """Counts requests in flight; `enter()` refuses past `limit`, or while the loop lags."""

    limit: int
    max_lag_s: float = 0.0
    """0 turns the loop-lag bound off."""
    in_flight: int = 0
    shed: int = 0
    lag_s: float = 0.0
    """How late the event loop ran at the latest probe."""
    earlier_lag_s: float = 0.0
    """How late it ran at the probe before."""

    def note_lag(self, lag_s: float) -> None:
        """A probe's measure of how late the loop ran."""
        self.earlier_lag_s, self.lag_s = self.lag_s, lag_s

    @property
    def lagging(self) -> bool:
        """Whether the loop ran late beyond the bound at each of the last two probes."""
        return self.max_lag_s > 0 and min(self.lag_s, self.earlier_lag_s) > self.max_lag_s

    def enter(self) -> bool:
        """Take a place; False (counted as shed) when there is none."""
        if self.lagging or self.in_flight >= self.limit:
            self.shed += 1
            SHED.inc()
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        """Give the place back."""
        self.in_flight -= 1


async def watch_lag(gate: Gate, every_s: float = LAG_PROBE_S) -> None:
    """Measure how late the event loop wakes a sleeper, for ever (cancel to stop)."""
    while True:
        start = time.perf_counter()
        await asyncio.sleep(every_s)
        lag = max(0.0, time.perf_counter() - start - every_s)
        gate.note_lag(lag)
        LOOP_LAG.set(lag)
