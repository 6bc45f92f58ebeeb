"""The PBX API's agents: fold its input and delivery attempts, and sweep expired sessions."""

import logging
from datetime import datetime, timedelta
from typing import TypeVar

from pydantic import ValidationError

from processors.app import Hub
from processors.pbx import fold, sessions
from processors.pbx import upstream_fold as upstream
from processors.pbx.work import Work
from processors.runtime.batching import take_events
from processors.runtime.faust_types import Event, Stream
from processors.runtime.indexed_table import IndexedTable
from schemas.pbx import LOCK_FOR, Lockout, PbxRecord
from schemas.pbx_topics import (
    EventReceived,
    LoginAttempt,
    PbxDeleted,
    PbxRecordIn,
    PbxUpserted,
    PbxUserSet,
    SessionLoggedOut,
    SessionOpened,
    SessionRenewed,
    UserClaimed,
    UserReleased,
    decode_attempts,
    decode_pbx,
)
from schemas.pbx_upstream import UpstreamRemoved, UpstreamResult, UpstreamSet

log = logging.getLogger(__name__)
V = TypeVar("V")
BATCH = 500
BATCH_WITHIN_S = 0.02


def fold_records(hub: Hub, w: Work, msgs: list[PbxRecordIn], offset: int) -> None:
    """The records a record of the `pbx` topic holds (one, or several renewals gathered by
    an ingress), once: a PBX's records replayed after a crash are skipped. A record is
    replayed whole, so whether a PBX already folded it is decided once per PBX."""
    fresh: dict[str, bool] = {}
    for index, msg in enumerate(msgs):
        if isinstance(msg, UserClaimed):
            fold.on_user_claimed(w, msg)
        elif isinstance(msg, UserReleased):
            fold.on_user_released(w, msg)
        elif isinstance(msg, LoginAttempt):
            fold.on_login(w, msg, offset)
        else:
            key = fold.pbx_key(msg.client_id, msg.pbx_id)
            if key not in fresh:
                fresh[key] = not fold.skip_replayed(w, key, offset)
            if fresh[key]:
                tag = str(offset) if len(msgs) == 1 else f"{offset}.{index}"
                _fold_pbx(hub, w, msg, offset, tag)
    for key, folded in fresh.items():
        if folded:
            fold.note_applied(w, key, offset)


def _fold_pbx(hub: Hub, w: Work, msg: PbxRecordIn, offset: int, tag: str) -> None:
    if isinstance(msg, PbxUpserted):
        fold.on_pbx(w, msg, offset)
    elif isinstance(msg, PbxDeleted):
        fold.on_pbx_deleted(w, msg, offset)
    elif isinstance(msg, PbxUserSet):
        fold.on_pbx_user(w, msg)
    elif isinstance(msg, SessionOpened):
        fold.on_session_opened(w, msg)
    elif isinstance(msg, SessionRenewed):
        fold.on_renewed(w, msg, tag)
    elif isinstance(msg, SessionLoggedOut):
        fold.on_logged_out(w, msg)
    elif isinstance(msg, EventReceived):
        fold.on_event(w, msg, hub.settings.pbx_queue_limit)
    elif isinstance(msg, UpstreamSet):
        upstream.on_set(w, msg)
    elif isinstance(msg, UpstreamRemoved):
        upstream.on_removed(w, msg)
    elif isinstance(msg, UpstreamResult):
        upstream.on_result(w, msg)


def _mark(hub: Hub, event: Event) -> None:
    tp = event.message.tp
    hub.applied[(tp.topic, tp.partition)] = event.message.offset


async def fold_batches(hub: Hub, stream: Stream, attempts: bool) -> None:
    """Records in batches; each batch is folded under the PBX lock and written once, in a
    turn of the fold gate (`processors.runtime.fold_gate`)."""
    async for events in take_events(stream, BATCH, BATCH_WITHIN_S, gate=hub.gate):
        async with hub.pbx_lock:
            w = Work(hub)
            settled = []
            for event in events:
                w.event = event
                try:
                    if attempts:
                        for msg in decode_attempts(event.value):
                            fold.on_attempt(w, msg, hub.settings.pbx_retry_max_s)
                            key = fold.pbx_key(msg.client_id, msg.pbx_id)
                            settled.append((key, msg.session_id, msg.id))
                    else:
                        fold_records(hub, w, decode_pbx(event.value), event.message.offset)
                except ValidationError:
                    log.exception("skipping unreadable record at %s", event.message.tp)
            await w.flush(stream)
        for event in events:
            _mark(hub, event)
        _kick(hub, settled, w)


def _kick(hub: Hub, settled: list[tuple[str, str, str]], w: Work) -> None:
    """Start the calls a batch made due, in partitions caught up since taken over."""
    ready = hub.takeover.ready_keys if hub.takeover is not None else list
    if hub.deliverer is not None:
        hub.deliverer.settle(settled)
        hub.deliverer.kick_all(ready(w.kicks))
    if hub.connector is not None:
        hub.connector.settle(w.answered)
        hub.connector.kick_all(ready(w.connect))


async def sweep(hub: Hub, stream: Stream, partition: int, now: datetime) -> None:
    """End expired sessions, forget old ones and lapsed lockouts, start due calls.

    Only the keys the due indexes give are looked at; each is then given its next time.
    Nothing is done in a partition taken over until its PBX input is folded (takeover).
    """
    if hub.takeover is not None and not await hub.takeover.caught_up(partition):
        return
    retry = hub.settings.sweep_interval_s
    pbx_keys = hub.pbxes.due.pop_due(partition, now)
    lock_keys = hub.pbx_lockouts.due.pop_due(partition, now)
    if pbx_keys or lock_keys:
        await _expire(hub, stream, now, pbx_keys, lock_keys)
    if hub.deliverer is not None:
        hub.deliverer.kick_all(pbx_keys)
    up_keys = hub.pbx_upstreams.due.pop_due(partition, now)
    if hub.connector is not None:
        hub.connector.kick_all(up_keys)
    _settle(hub.pbxes, partition, pbx_keys, now, retry)
    _settle(hub.pbx_lockouts, partition, lock_keys, now, retry)
    _settle(hub.pbx_upstreams, partition, up_keys, now, retry)


def _settle(
    table: IndexedTable[V], partition: int, keys: list[str], now: datetime, retry: float
) -> None:
    """Give each key the sweep looked at its next time (`DueIndex.settle`)."""
    for key in keys:
        table.due.settle(partition, key, table.get(key), now, retry)


async def _expire(
    hub: Hub, stream: Stream, now: datetime, pbx_keys: list[str], lock_keys: list[str]
) -> None:
    forget_before = now - timedelta(seconds=hub.settings.pbx_ended_retention_s)
    async with hub.pbx_lock:
        w = Work(hub, event=stream.current_event)
        for key in pbx_keys:
            current: PbxRecord | None = hub.pbxes.get(key)
            if current is None or not _needs_sweep(current, now, forget_before):
                continue
            rec = w.own(key)
            cid, pbx = key.split("/", 1)
            fold._apply(w, key, rec, sessions.expire(rec, cid, pbx, now, forget_before))
        for addr in lock_keys:
            lock: Lockout | None = hub.pbx_lockouts.get(addr)
            if lock is not None and _lapsed(lock, now):
                w.put("pbx-lockouts", addr, None)
        await w.flush(stream)


def _needs_sweep(rec: PbxRecord, now: datetime, forget_before: datetime) -> bool:
    return any(
        (s.end_reason is None and s.expires_at <= now)
        or (s.ended_at is not None and s.ended_at < forget_before)
        for s in rec.sessions.values()
    )


def _lapsed(lock: Lockout, now: datetime) -> bool:
    """A lock that ended, or failures in a row that stopped 10 minutes ago, are forgotten."""
    if lock.locked_until is not None:
        return lock.locked_until <= now
    return lock.last_failure is None or lock.last_failure + LOCK_FOR <= now


def register_pbx_agents(hub: Hub) -> None:
    """Attach the PBX agents to the app (the sweep is called by the tick agent)."""

    @hub.app.agent(hub.pbx, name="apply-pbx")
    async def pbx_agent(stream: Stream) -> None:
        await fold_batches(hub, stream, attempts=False)

    @hub.app.agent(hub.pbx_deliveries, name="apply-pbx-deliveries")
    async def attempts_agent(stream: Stream) -> None:
        await fold_batches(hub, stream, attempts=True)
