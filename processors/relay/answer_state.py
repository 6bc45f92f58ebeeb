"""Publish, per client, what an answer to its heartbeat needs (the responder's replica).

After every fold that touched a client, `sync` compares what an answer would show
(profiles, access, open orders) with what this worker last published for it and, if
it differs, publishes the client's `AnswerState` at once, inside the fold's batch (its
acknowledgement is awaited with the batch's other outputs, before the batch's records
are marked applied: an admin write answered after its fold is in the topic).

The reported states alone change with every heartbeat; publishing them each time would
be a record per heartbeat. They are coalesced instead: a client whose states changed is
marked, and the sweep publishes it once `states_flush_s` (`HUB_STATES_FLUSH_S`, the
period the worker's own table waits too: processors.relay.states_buffer) have passed since
its last record. An answer shows the heartbeat's own entries from the heartbeat itself, so only
the reported fields of configured profiles a heartbeat does not carry can be that
stale (plus the replica's delay).

Most clients report every profile in every heartbeat; their answers then show nothing
of the published states, and republishing them every few seconds was most of the
answers topic's traffic (the worker building and sending, the broker storing, every
ingress reading and decoding). A client whose last heartbeat carried every configured
profile waits `carried_states_every_s` (`HUB_CARRIED_STATES_EVERY_S`, 60 s) instead;
one whose heartbeat left a profile out waits `states_flush_s` as before. So the
reported fields of a profile left out are at most `states_flush_s` old once the client
leaves it out, and at most `carried_states_every_s` old in the answer to the first
heartbeat that does.
"""

import math
import time
import zlib

from processors.app import Hub
from processors.relay import outbox
from processors.runtime.faust_types import Partitions, on_partitions_revoked
from schemas.answer_state import STATES_MEMBER, AnswerState, open_orders
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.topics import partition_for

_GONE = (-1, 0.0)


def state_of(hub: Hub, cid: str) -> AnswerState | None:
    """The client's answer state from the tables; None if the customer does not exist."""
    if hub.customers.get(cid) is None:
        return None
    cc: CustomerCommands | None = hub.commands.get(cid)
    return AnswerState(
        profiles=hub.profiles.get(cid) or CustomerProfiles(),
        states=hub.reported.get(cid) or CustomerStates(),
        access=hub.access.get(cid),
        commands=None if cc is None else open_orders(cc),
    )


def _encoded(state: AnswerState) -> tuple[int, bytes]:
    """The record's value, and a hash of what an answer shows besides the reported states.

    One serialization for both: the states are written last, after the hashed part
    (field order in a JSON object means nothing to the reader).
    """
    rest = state.model_dump_json(exclude={"states"}).encode()
    value = rest[:-1] + STATES_MEMBER + state.states.model_dump_json().encode() + b"}"
    return zlib.crc32(rest), value


async def publish(hub: Hub, cid: str, state: AnswerState) -> None:
    """Publish `state` if an answer would differ from what was last published."""
    digest, value = _encoded(state)
    sent = hub.answer_sent.get(cid)
    if sent is None or sent[0] != digest:
        await _send(hub, cid, value, digest)


async def heard(hub: Hub, cid: str, *, carried_all: bool = False) -> None:
    """After heartbeats that changed only the reported states: mark the client for the
    sweep's coalesced publication (no state is built or compared, the fold's hot path);
    a client this worker has published nothing for yet is synced at once.

    `carried_all`: the last heartbeat had an entry for every configured profile, so the
    client may wait `carried_states_every_s` rather than `states_flush_s`.
    """
    if cid not in hub.answer_sent:
        await sync(hub, cid)
        return
    settings = hub.settings
    every = settings.carried_states_every_s if carried_all else settings.states_flush_s
    dirty = hub.answer_dirty.setdefault(partition_for(cid, settings.partitions), {})
    if every < dirty.get(cid, math.inf):
        dirty[cid] = every


async def sync(hub: Hub, cid: str, *, deleted: bool = False) -> None:
    """Publish the client's state from the tables if an answer would differ.

    A customer deleted is removed from the topic (a tombstone); records of other keys
    without a customer (an admin token's, say) publish nothing.
    """
    state = state_of(hub, cid)
    if state is None:
        if deleted and hub.answer_sent.get(cid) != _GONE:
            await _send(hub, cid, None)
        return
    await publish(hub, cid, state)


async def flush_states(hub: Hub, partition: int) -> None:
    """Publish the marked clients of `partition` whose last record is old enough."""
    dirty = hub.answer_dirty.get(partition)
    if not dirty:
        return
    now = time.monotonic()
    due = [c for c, every in dirty.items() if now - hub.answer_sent.get(c, _GONE)[1] >= every]
    for cid in due:
        dirty.pop(cid, None)
        state = state_of(hub, cid)
        if state is not None:
            digest, value = _encoded(state)
            await _send(hub, cid, value, digest)


async def _send(hub: Hub, cid: str, value: bytes | None, digest: int = -1) -> None:
    """Publish the record (None: a tombstone); its acknowledgement joins the batch's."""
    part = partition_for(cid, hub.settings.partitions)
    # Straight to the producer: a raw record needs none of the topic's codecs, and
    # faust's message objects were a fifth of the cost of an imported customer.
    producer = hub.app.producer
    fut = await producer.send(hub.names.answers, cid.encode(), value, part, None, None)
    hub.answer_sent[cid] = _GONE if value is None else (digest, time.monotonic())
    hub.answer_dirty.get(part, {}).pop(cid, None)
    await outbox.acknowledged([fut])


def attach(hub: Hub) -> None:
    """Forget what was published at each rebalance: another worker may publish meanwhile."""

    async def on_revoked(tps: Partitions) -> None:
        hub.answer_sent.clear()
        hub.answer_dirty.clear()

    on_partitions_revoked(hub.app, on_revoked)
