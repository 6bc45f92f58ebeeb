"""Shed load instead of queueing it: past a bound of requests in flight, answer 503 at once.

Offered more than the hub can take, a queue in front of the workers only grows: every
answer gets later, memory grows, and clients time out and retry into it. Past
`HUB_MAX_IN_FLIGHT` requests in flight in one ingress process, heartbeats and PBX API
calls are answered 503 with `Retry-After` at once (nothing recorded, nothing changed),
so the answers the hub accepts keep their latency and it recovers as soon as the
load drops. The bound matches the pool of connections to the workers.
"""

from dataclasses import dataclass


@dataclass
class Gate:
    """Counts requests in flight; `enter()` refuses past `limit`."""

    limit: int
    in_flight: int = 0
    shed: int = 0

    def enter(self) -> bool:
        """Take a place; False (counted as shed) when there is none."""
        if self.in_flight >= self.limit:
            self.shed += 1
            return False
        self.in_flight += 1
        return True

    def leave(self) -> None:
        """Give the place back."""
        self.in_flight -= 1
