"""Whether the ingress's Kafka writes are being acknowledged right now.

Readiness is the truth about writes, not about the process: a replica whose producer
cannot get acknowledgements is taken out of the load balancer, and liveness restarts
it once it has stayed that way past a limit. An idle ingress keeps the picture fresh
with probe records (`ingest.probe`).
"""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class WriteStatus:
    """A snapshot for the probes' answers."""

    ready: bool
    reason: str
    last_ack_age_s: float | None
    unready_for_s: float


@dataclass
class WriteHealth:
    """Acknowledgements and failures of one process's writes, on the monotonic clock."""

    stale_s: float
    started: float
    last_ack: float | None = None
    last_failure: float | None = None
    failure_reason: str = ""
    _last_ready: float = field(init=False)

    def __post_init__(self) -> None:
        self._last_ready = self.started

    def acked(self, now: float) -> None:
        """A write was acknowledged by every in-sync replica."""
        self.last_ack = now if self.last_ack is None else max(self.last_ack, now)

    def failed(self, now: float, reason: str) -> None:
        """A write was refused or timed out."""
        self.last_failure = now
        self.failure_reason = reason

    def status(self, now: float) -> WriteStatus:
        """Ready when the latest outcome was an acknowledgement and it is recent."""
        reason = self._why_unready(now)
        if not reason:
            self._last_ready = now
        age = None if self.last_ack is None else now - self.last_ack
        return WriteStatus(not reason, reason or "ok", age, now - self._last_ready)

    def _why_unready(self, now: float) -> str:
        if self.last_ack is None:
            return self.failure_reason or "no write acknowledged yet"
        if self.last_failure is not None and self.last_failure >= self.last_ack:
            return self.failure_reason
        if now - self.last_ack > self.stale_s:
            return f"no write acknowledged for {now - self.last_ack:.1f} s"
        return ""
