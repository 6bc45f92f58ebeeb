"""Send the head of a channel's queue: one attempt in flight per channel, in order.

An attempt POSTs the head alert in the channel's kind's shape (`schemas.alert_bodies`),
then publishes a `ChannelAttempt` to `alert-deliveries` (acks=all); the attempts agent
folds it into the queue and asks for the next one. Which channels have an attempt in
flight is process-local: after a crash the partition's next owner tries the head
again, so a receiver may get an alert twice (at least once: webhooks carry a stable
`X-Hub-Event-Id`, PagerDuty a `dedup_key`), never out of order.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from processors.runtime.http_post import HttpPoster, ProtocolError, resolves_denied
from schemas import alert_bodies as bodies
from schemas.alert_channels import ChannelKind, StoredChannel
from schemas.alert_delivery import (
    GIVE_UP_AFTER,
    AttemptOutcome,
    ChannelAttempt,
    ChannelQueue,
    QueuedAlert,
)
from schemas.pbx_callback import Network, denied_url
from schemas.sealed import Unsealable

log = logging.getLogger(__name__)
STALE_AFTER_S = 120.0
"""An attempt not folded within this long (its record lost) no longer holds the channel."""
USER_AGENT = "heartbeat-hub"
Publish = Callable[[ChannelAttempt], Awaitable[None]]
Request = tuple[str, bytes, dict[str, str]]


class ChannelSender:
    """Starts attempts for the channels of the partitions this sink owns."""

    def __init__(
        self, key: bytes | None, denied: tuple[Network, ...], timeout_s: float, publish: Publish
    ) -> None:
        self.key, self.denied, self.publish = key, denied, publish
        self.in_flight: dict[str, float] = {}
        self._poster = HttpPoster(timeout_s, per_origin=2)
        self._tasks: set[asyncio.Task[None]] = set()

    def kick(self, qkey: str, queue: ChannelQueue) -> None:
        """Start an attempt at the queue's head if it is due and none is in flight."""
        started = self.in_flight.get(qkey)
        if started is not None and time.monotonic() - started < STALE_AFTER_S:
            return
        if not queue.due(datetime.now(UTC)):
            return
        self.in_flight[qkey] = time.monotonic()
        task = asyncio.get_running_loop().create_task(self._run(qkey, queue))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def settle(self, qkey: str) -> None:
        """The channel's attempt was folded: its next one may start."""
        self.in_flight.pop(qkey, None)

    async def _run(self, qkey: str, queue: ChannelQueue) -> None:
        attempt = await self.attempt(queue, queue.alerts[0])
        try:
            await self.publish(attempt)
        except Exception as e:
            log.warning("alert attempt %s not recorded: %r", attempt.id, e)
            self.in_flight.pop(qkey, None)

    async def attempt(self, queue: ChannelQueue, head: QueuedAlert) -> ChannelAttempt:
        """Try the head once (or give it up, a day after it was queued)."""
        now = datetime.now(UTC)
        started = time.monotonic()
        outcome: AttemptOutcome
        status: int | None
        error: str | None
        if now - head.queued_at > GIVE_UP_AFTER:
            outcome, status, error = AttemptOutcome.expired, None, "not delivered within a day"
        else:
            outcome, status, error = await self._send(queue.channel, head)
        channel = queue.channel
        return ChannelAttempt(
            id=f"{head.alert.id}@{channel.name}#{queue.failures + 1}",
            client_id=head.alert.client_id,
            channel=channel.name,
            kind=channel.kind,
            alert_id=head.alert.id,
            event=head.alert.event,
            attempt=queue.failures + 1,
            outcome=outcome,
            status=status,
            error=error,
            at=datetime.now(UTC),
            latency_s=round(time.monotonic() - started, 6),
        )

    async def _send(
        self, channel: StoredChannel, head: QueuedAlert
    ) -> tuple[AttemptOutcome, int | None, str | None]:
        try:
            url, body, headers = self._request(channel, head)
        except Unsealable as e:
            return AttemptOutcome.failed, None, f"secret cannot be unsealed: {e}"[:300]
        if denied_url(url, self.denied) or await resolves_denied(url, self.denied):
            return AttemptOutcome.denied, None, "channel address is in a denied network"
        try:
            status = await self._poster.post(url, body, {**headers, "User-Agent": USER_AGENT})
        except TimeoutError:
            return AttemptOutcome.failed, None, "no answer in time"
        except (OSError, EOFError, ProtocolError, ValueError) as e:
            return AttemptOutcome.failed, None, f"{type(e).__name__}: {e}"[:300]
        ok = 200 <= status < 300
        return (AttemptOutcome.delivered if ok else AttemptOutcome.failed), status, None

    def _request(self, channel: StoredChannel, head: QueuedAlert) -> Request:
        """The URL, body and headers of the channel's kind; raises Unsealable."""
        secret = self._secret(channel)
        alert = head.alert
        if channel.kind is ChannelKind.webhook:
            return (channel.url or "", *bodies.webhook_request(alert, secret))
        if channel.kind is ChannelKind.slack:
            return (secret or "", *bodies.slack_request(alert))
        if channel.kind is ChannelKind.teams:
            return (secret or "", *bodies.teams_request(alert))
        return (channel.url or "", *bodies.pagerduty_request(alert, secret or ""))

    def _secret(self, channel: StoredChannel) -> str | None:
        if channel.sealed_secret is None:
            return None
        if self.key is None:
            raise Unsealable("the sink has no HUB_SECRET_KEY")
        return channel.secret(self.key)

    async def close(self) -> None:
        """Let the attempts in flight finish and be recorded (bounded), then close."""
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=self._poster.timeout_s + 5)
            for task in late:
                task.cancel()
        await self._poster.close()
