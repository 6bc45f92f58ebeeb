"""Publish each PBX API token's session to the live-tokens topic (the ingress's replica).

Every fold that opens, renews or ends a session, or forgets it, notes its token here
(`note`, `forget`, by the token's SHA-256: the token itself is never stored); the
batch's `Work.flush` publishes the notes (`publish`) with the batch's `pbx-changes`,
acknowledged by Kafka before it writes the tables. The record is a `LiveToken`: the
session's ids, its callback and its expiry. A session ended by expiry keeps a record
(`timed_out`: 20006) until it is forgotten; any other end (logout, its user or PBX
removed, its customer deleted) and the forgetting publish a tombstone, since from then
on its token answers 20004 like one never issued.

Expiry: the ingress judges "timed out" by its own clock against `expires_at`. A renewal
publishes the token's record when it changes the callback or moves the expiry at least
REPUBLISH past the expiry last published (`Session.token_until`); the others (an app
server heartbeating every 30 s, or a load test) change only the table. An ingress's own
replica takes each renewal it answered at once (`ingest.live_tokens.renewed`), so only
another ingress can hold an expiry up to REPUBLISH older than the table's: it would
answer 20006 to a heartbeat coming between the two, i.e. more than 29 minutes after
the session's previous heartbeats, which app servers send every 30 s to 25 minutes.
Publishing every renewal cost a record per PBX heartbeat for the worker and the broker.

No record is lost across a crash or a rebalance: the records of a batch are
acknowledged before its table writes, and a record is folded again (publishing the
same values) until its writes are in the changelog (a replay skips only records the
PBX's `applied_offset` says were written). So whatever a new owner recovers from the
changelog, the compacted topic already has, and it needs to republish nothing. Each
record is placed in its customer's partition (tokens are drawn to hash there too), the
partition the owning worker writes.
"""

import asyncio
from datetime import timedelta

from processors.app import Hub
from schemas.live_token import LiveToken
from schemas.pbx import EndReason, Session
from schemas.topics import partition_for

Tokens = dict[str, tuple[str, LiveToken | None]]
"""Notes of one batch: token hash -> (clientId, its record; None for a tombstone)."""

REPUBLISH = timedelta(seconds=60)
"""How far a renewal moves a token's expiry before its record is published again."""


def record_of(cid: str, pbx: str, s: Session) -> LiveToken | None:
    """What the ingress needs to answer the session's token; None when it answers 20004."""
    if s.end_reason is not None and s.end_reason is not EndReason.expired:
        return None
    return LiveToken(
        client_id=cid,
        pbx_id=pbx,
        session_id=s.session_id,
        callback=s.callback,
        expires_at=s.expires_at,
        timed_out=s.end_reason is EndReason.expired,
    )


def note(tokens: Tokens, key: str, s: Session) -> None:
    """The session (of the PBX `<clientId>/<pbxId>`, a working copy) changed: publish its
    token's record, and remember the expiry published."""
    cid, pbx = key.split("/", 1)
    tokens[s.token_hash] = (cid, record_of(cid, pbx, s))
    s.token_until = s.expires_at


def note_renewal(tokens: Tokens, key: str, s: Session, callback_changed: bool) -> None:
    """A renewal of the session: publish its token's record if the callback changed or the
    expiry moved REPUBLISH past the one published (see the module's "Expiry")."""
    published = s.token_until
    if callback_changed or published is None or s.expires_at - published >= REPUBLISH:
        note(tokens, key, s)


def forget(tokens: Tokens, key: str, token_hash: str) -> None:
    """The token is forgotten: publish a tombstone."""
    tokens[token_hash] = (key.split("/", 1)[0], None)


async def publish(hub: Hub, tokens: Tokens) -> None:
    """Send every note and wait until Kafka acknowledged them all."""
    futures = []
    for token_hash, (cid, token) in tokens.items():
        value = None if token is None else token.model_dump_json().encode()
        part = partition_for(cid, hub.settings.partitions)
        futures.append(
            await hub.live_tokens.send(key=token_hash.encode(), value=value, partition=part)
        )
    await asyncio.gather(*futures)
