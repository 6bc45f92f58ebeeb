"""Publish, per client, what an answer to its heartbeat needs (the responder's replica).

After every fold that touched a client, `sync` compares what an answer would show
(profiles, access, open orders) with what this worker last published for it and, if
it differs, publishes the client's `AnswerState` at once, inside the fold's batch (its
acknowledgement is awaited with the batch's other outputs, before the batch's records
are marked applied: an admin write answered after its fold is in the topic).

The reported states alone change with every heartbeat; publishing them each time would
be a record per heartbeat. They are coalesced instead: a client whose states changed is
marked, and the sweep publishes it once `STATES_EVERY_S` have passed since its last
record. An answer shows the heartbeat's own entries from the heartbeat itself, so only
the reported fields of configured profiles a heartbeat does not carry can be that
stale (plus the replica's delay).
"""

import time
import zlib
from typing import Any

from processors import outbox
from processors.app import Hub
from schemas.answer_state import AnswerState, open_orders
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.topics import partition_for

STATES_EVERY_S = 5.0
_GONE = (-1, 0.0)


def state_of(hub: Hub, cid: str) -> AnswerState | None:
    """The client's answer state from the tables; None if the customer does not exist."""
    if hub.customers.get(cid) is None:
        return None
    cc: CustomerCommands | None = hub.commands.get(cid)
    return AnswerState(
        profiles=hub.profiles.get(cid) or CustomerProfiles(),
        states=hub.states.get(cid) or CustomerStates(),
        access=hub.access.get(cid),
        commands=None if cc is None else open_orders(cc),
    )


def _digest(state: AnswerState) -> int:
    """What an answer shows besides the reported states, hashed."""
    return zlib.crc32(state.model_dump_json(exclude={"states"}).encode())


async def heard(hub: Hub, cid: str) -> None:
    """After heartbeats that changed only the reported states: mark the client for the
    sweep's coalesced publication (no state is built or compared, the fold's hot path);
    a client this worker has published nothing for yet is synced at once."""
    if cid not in hub.answer_sent:
        await sync(hub, cid)
        return
    hub.answer_dirty.setdefault(partition_for(cid, hub.settings.partitions), set()).add(cid)


async def sync(hub: Hub, cid: str, *, heard: bool = False, deleted: bool = False) -> None:
    """Publish the client's state if an answer would differ; after a heartbeat, mark it.

    A customer deleted is removed from the topic (a tombstone); records of other keys
    without a customer (an admin token's, say) publish nothing.
    """
    state = state_of(hub, cid)
    if state is None:
        if deleted and hub.answer_sent.get(cid) != _GONE:
            await _send(hub, cid, None)
        return
    sent = hub.answer_sent.get(cid)
    digest = _digest(state)
    if sent is None or sent[0] != digest:
        await _send(hub, cid, state, digest)
    elif heard:
        part = partition_for(cid, hub.settings.partitions)
        hub.answer_dirty.setdefault(part, set()).add(cid)


async def flush_states(hub: Hub, partition: int) -> None:
    """Publish the marked clients of `partition` whose last record is old enough."""
    dirty = hub.answer_dirty.get(partition)
    if not dirty:
        return
    now = time.monotonic()
    due = [c for c in dirty if now - hub.answer_sent.get(c, _GONE)[1] >= STATES_EVERY_S]
    for cid in due:
        dirty.discard(cid)
        state = state_of(hub, cid)
        if state is not None:
            await _send(hub, cid, state, _digest(state))


async def _send(hub: Hub, cid: str, state: AnswerState | None, digest: int = -1) -> None:
    value = None if state is None else state.model_dump_json().encode()
    part = partition_for(cid, hub.settings.partitions)
    fut = await hub.answers.send(key=cid.encode(), value=value, partition=part)
    hub.answer_sent[cid] = _GONE if state is None else (digest, time.monotonic())
    hub.answer_dirty.get(part, set()).discard(cid)
    await outbox.acknowledged([fut])


def attach(hub: Hub) -> None:
    """Forget what was published at each rebalance: another worker may publish meanwhile."""

    @hub.app.on_partitions_revoked.connect
    async def on_revoked(app: Any, /, *args: Any, **kwargs: Any) -> None:
        hub.answer_sent.clear()
        hub.answer_dirty.clear()
