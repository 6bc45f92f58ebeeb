"""Deliver PBX events to sessions' callbacks: one attempt in flight per session, in order.

An attempt POSTs the head of a session's queue in the session's version; a burst's
`DeliveryAttempt`s are published as one record (acks=all) to `pbx-deliveries`; the
attempts agent folds them, which pops the queue or sets the next try, and asks for the
next burst. Which attempts are in flight is process-local: after a crash or a
rebalance the new owner tries the head again, so a receiver may get an event twice (at
least once), never out of order. A clean stop first lets the POSTs in flight finish and
records them (`Deliverer.close`), so a rolling upgrade sends nothing twice.
"""

import asyncio
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from processors import metrics
from processors.app import Hub
from processors.runtime.faust_types import Partitions, on_partitions_assigned
from processors.runtime.http_post import HttpPoster, ProtocolError, resolves_denied
from schemas.pbx import PbxRecord, Session, StoredEvent
from schemas.pbx_callback import Network, denied_url
from schemas.pbx_events import V1, in_version
from schemas.pbx_topics import DeliveryAttempt, Outcome, encode_attempts
from schemas.topics import partition_for

log = logging.getLogger(__name__)
HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/json",
    "User-Agent": "WebAPI",
}
STALE_AFTER_S = 60.0
BURST = 32
PER_ORIGIN = 8
"""Connections kept to one receiver (scheme, host, port) at most."""


@dataclass(frozen=True, slots=True)
class Job:
    """Attempts to start: the session's key, the head of its queue, the callback.

    `seqs` is a burst from the head, POSTed one after another and recorded together:
    one Kafka round trip per burst instead of one per event. The burst stops at the
    first failure, so order is kept.
    """

    key: str
    session_id: str
    seqs: tuple[int, ...]
    url: str
    version: str
    attempt: int


class Deliverer:
    """Starts attempts for the sessions of PBXes this worker owns."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.denied: tuple[Network, ...] = hub.settings.denied()
        # (PBX key, session id) -> when its burst started, and the id of its last
        # attempt once recorded: the session is settled when the fold has that one.
        self.in_flight: dict[tuple[str, str], tuple[float, str | None]] = {}
        self.slots = asyncio.Semaphore(hub.settings.pbx_max_deliveries)
        self._poster = HttpPoster(hub.settings.pbx_delivery_timeout_s, per_origin=PER_ORIGIN)
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    def settle(self, done: Iterable[tuple[str, str, str]]) -> None:
        """These attempts (PBX key, session id, attempt id) were folded.

        A session may start its next burst once its burst's last attempt is folded.
        """
        for key, sid, attempt_id in done:
            held = self.in_flight.get((key, sid))
            # Not while its burst runs (held[1] None): a replayed older attempt would
            # let a second burst start from the same head, out of order.
            if held is not None and held[1] == attempt_id:
                del self.in_flight[(key, sid)]

    def kick_all(self, keys: Iterable[str]) -> None:
        """Start every due attempt of these PBXes."""
        now = self.hub.clock.now()
        for key in keys:
            rec: PbxRecord | None = self.hub.pbxes.get(key)
            if rec is None:
                continue
            for s in rec.sessions.values():
                job = self._due(key, s, now)
                if job is not None:
                    self._start(job)

    def _due(self, key: str, s: Session, now: datetime) -> Job | None:
        if s.end_reason is not None or not s.queue or now >= s.expires_at:
            return None
        if s.next_attempt_at is not None and s.next_attempt_at > now:
            return None
        held = self.in_flight.get((key, s.session_id))
        if held is not None and time.monotonic() - held[0] < STALE_AFTER_S:
            return None
        version = s.callback.version or V1
        burst = tuple(s.queue[: 1 if s.failures else BURST])
        return Job(key, s.session_id, burst, s.url(), version, s.failures + 1)

    def forget(self, partitions: set[int]) -> None:
        """Partitions this worker lost: their bursts are no longer its to wait for.

        A burst's attempts recorded here are folded by the partition's next owner, never
        here; kept, its entry would hold the session's next burst back for
        `STALE_AFTER_S` once the partition came back (a worker leaving and returning)."""
        parts = self.hub.settings.partitions
        for held in list(self.in_flight):
            if partition_for(held[0].split("/", 1)[0], parts) in partitions:
                del self.in_flight[held]

    def _start(self, job: Job) -> None:
        if self._closing:
            return
        started = time.monotonic()
        self.in_flight[(job.key, job.session_id)] = (started, None)
        task = asyncio.get_running_loop().create_task(self._run(job, started))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job, started: float) -> None:
        held = (job.key, job.session_id)
        async with self.slots:
            attempts = await self._burst(job)
        # The entry is this burst's only if it started it: after `forget` (its partition
        # lost, perhaps regained) a newer burst of the session may hold it, and taking it
        # would make the session wait for this burst's attempt, folded long ago.
        ours = self.in_flight.get(held, (None, None))[0] == started
        if not attempts:
            if ours:
                del self.in_flight[held]
            return
        if ours:
            self.in_flight[held] = (time.monotonic(), attempts[-1].id)
        try:
            await self._record(attempts)
        except Exception as e:
            log.warning("delivery attempts of session %s not recorded: %r", job.session_id, e)
            if self.in_flight.get(held, (None, None))[1] == attempts[-1].id:
                del self.in_flight[held]

    async def _burst(self, job: Job) -> list[DeliveryAttempt]:
        """POST the burst's events in order, up to the first that is not delivered."""
        attempts: list[DeliveryAttempt] = []
        for seq in job.seqs:
            stored: StoredEvent | None = self.hub.pbx_events.get(f"{job.key}/{seq}")
            if stored is None:
                break
            attempt = await self._attempt(job, seq, stored)
            metrics.delivered(attempt.outcome, attempt.latency_s)
            attempts.append(attempt)
            if attempt.outcome is not Outcome.delivered or self._closing:
                break
        return attempts

    async def _attempt(self, job: Job, seq: int, stored: StoredEvent) -> DeliveryAttempt:
        # A burst of more than one event is made only while the session has no failures,
        # so every attempt of a job has the job's number.
        cid, pbx = job.key.split("/", 1)
        body = in_version(stored.body.encode(), stored.version, stored.name, job.version)
        started = time.monotonic()
        outcome, status, error = await self._post(job.url, body or b"")
        return DeliveryAttempt(
            id=f"{job.session_id}:{seq}:{job.attempt}",
            client_id=cid,
            pbx_id=pbx,
            session_id=job.session_id,
            seq=seq,
            event=stored.name,
            version=job.version,
            url=job.url,
            attempt=job.attempt,
            outcome=outcome,
            status=status,
            error=error,
            received_at=stored.received_at,
            at=self.hub.clock.now(),
            latency_s=round(time.monotonic() - started, 6),
        )

    async def _post(self, url: str, body: bytes) -> tuple[Outcome, int | None, str | None]:
        if denied_url(url, self.denied) or await resolves_denied(url, self.denied):
            return Outcome.denied, None, "callback address is in a denied network"
        try:
            status = await self._poster.post(url, body, HEADERS)
        except TimeoutError:
            return Outcome.failed, None, "no answer in time"
        except (OSError, EOFError, ProtocolError) as e:
            return Outcome.failed, None, f"{type(e).__name__}: {e}"[:300]
        ok = 200 <= status < 300
        return (Outcome.delivered if ok else Outcome.failed), status, None

    async def _record(self, attempts: list[DeliveryAttempt]) -> None:
        """Publish the burst's attempts as one record, and wait until Kafka has it."""
        cid = attempts[0].client_id
        future = await self.hub.pbx_deliveries.send(
            key=cid.encode(),
            value=encode_attempts(attempts),
            partition=partition_for(cid, self.hub.settings.partitions),
        )
        await asyncio.wait_for(future, self.hub.settings.heartbeat_publish_timeout_s)

    async def close(self) -> None:
        """Let the bursts in flight finish their current POST and record what they did,
        then close the connection pool.

        A clean stop (a rolling upgrade) thus leaves every event a receiver accepted
        recorded, so the partition's next owner, which folds the delivery attempts
        before it delivers (`processors.pbx.takeover`), does not send it again. The
        wait is bounded by one POST and one publish; what is left then is cancelled
        and delivered again by the next owner (at least once)."""
        self._closing = True
        if self._tasks:
            bound = self.hub.settings.pbx_delivery_timeout_s
            bound += self.hub.settings.heartbeat_publish_timeout_s
            _, late = await asyncio.wait(set(self._tasks), timeout=bound)
            for task in late:
                task.cancel()
        await self._poster.close()


def attach(hub: Hub) -> Deliverer:
    """Give the hub its deliverer, told at each assignment which partitions were lost."""
    deliverer = Deliverer(hub)
    hub.deliverer = deliverer
    owned: set[int] = set()

    async def on_assigned(assigned: Partitions) -> None:
        now = {tp.partition for tp in assigned if tp.topic == hub.names.pbx}
        deliverer.forget(owned - now)
        owned.clear()
        owned.update(now)

    on_partitions_assigned(hub.app, on_assigned)

    return deliverer
