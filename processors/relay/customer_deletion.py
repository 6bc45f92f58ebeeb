"""Delete a customer with everything it has: the fold of `CustomerDeleted` on its owner.

Every table key of the customer is deleted, which writes a tombstone to its changelog
so that compaction forgets it: `customers`, `profiles`, `profile-states`, `commands`,
`health`, `customer-access`, `alert-channels` by clientId; `pbxes`, `pbx-events`, `pbx-tokens` and
(once logged out) `pbx-upstreams` of its PBXes. Its unfinished commands are first
recorded as cancelled, its live PBX sessions as ended, and every such change is
published (acknowledged) before the keys go. The API users go back to the directory in their own
partitions (`UserReleased`), and the scoped admin tokens of every partition lose the
customer (`TokenScopesTrimmed`). History already on the output topics stays.

The `customers` key goes first, so that no agent adds to the customer while the fold
awaits the broker. A crash half-way folds the record again (its offset was not
committed), and every step finds what is left and does it again; the admin answer
waits until the record's offset is applied, which is after the last step.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from faust.types import TopicT

from processors.app import Hub
from processors.pbx import api as pbx_api
from processors.pbx import fold, sessions
from processors.pbx import upstream_fold as upstream
from processors.pbx.work import Work
from processors.relay import commands
from schemas.admin_tokens import AdminToken
from schemas.alert_channels import CustomerChannels, channel_key
from schemas.commands import CustomerCommands
from schemas.customer_deletion import CustomerDeleted, TokenScopesTrimmed, scopes_key
from schemas.enums import ProfileType
from schemas.events import FINAL_COMMAND_STATES, CommandState
from schemas.health import CustomerHealth
from schemas.pbx import EndReason, PbxRecord
from schemas.pbx_topics import ChangeKind, PbxChange, UserReleased
from schemas.pbx_upstream import UpstreamRemoved
from schemas.profiles import CustomerProfiles
from schemas.topics import access_key, maintenance_key, partition_for, profile_config_key

log = logging.getLogger(__name__)
Record = tuple[bytes, bytes | None, int | None]
"""A record to publish: key, value (None: a tombstone), partition (None: by the key)."""


async def fold_deletion(hub: Hub, event: CustomerDeleted | TokenScopesTrimmed) -> None:
    """Fold one record of a customer's deletion."""
    if isinstance(event, TokenScopesTrimmed):
        await trim_scopes(hub, event)
    else:
        await delete_customer(hub, event)


async def delete_customer(hub: Hub, msg: CustomerDeleted) -> None:
    """Everything of the customer goes; its history stays on the output topics."""
    cid = msg.client_id
    if cid in hub.customers:
        # First: from here on its heartbeats answer 404, and the agents drop its orders
        # and configuration records, so nothing is added while this fold awaits.
        del hub.customers[cid]
    _cancel_commands(hub, cid, msg.at)
    await forget_pbxes(hub, cid, msg.at)
    await _send_all(hub.config, _config_records(hub, cid, msg.at))
    await _publish_outboxes(hub, cid)
    hub.reported.delete(cid)
    for table in (hub.commands, hub.health, hub.profiles, hub.access, hub.channels):
        if cid in table:
            del table[cid]
    log.info("customer %s deleted", cid, extra={"client_id": cid})


def cancel_all(cc: CustomerCommands, client_id: str, at: datetime) -> CustomerCommands:
    """The orders with every unfinished command cancelled at `at`, each change in the outbox."""
    open_ids = [r.id for r in cc.commands.values() if r.state not in FINAL_COMMAND_STATES]
    if not open_ids:
        return cc
    result = cc.model_copy(deep=True)
    for command_id in open_ids:
        rec = result.commands[command_id]
        commands.change(result, client_id, rec, CommandState.cancelled, at)
    result.queues = {}
    return result


def _cancel_commands(hub: Hub, cid: str, at: datetime) -> None:
    """Cancel at once, before any await: a heartbeat or a sweep folded meanwhile finds every
    command finished and changes none (its change would take a number the cancel has)."""
    cc: CustomerCommands | None = hub.commands.get(cid)
    if cc is not None:
        cancelled = cancel_all(cc, cid, at)
        if cancelled is not cc:
            hub.commands[cid] = cancelled


async def _publish_outboxes(hub: Hub, cid: str) -> None:
    """The command and health events still in the customer's outboxes, acknowledged.

    Not through `outbox.save`, which may leave the acknowledgements to the end of the
    agent's batch: here they come before the keys are deleted, so a crash between the
    two folds the record again and finds the events still there. An event another agent
    is publishing too goes out twice, which the sinks recognize by its id.
    """
    targets = ((hub.commands, hub.command_events), (hub.health, hub.health_events))
    for table, topic in targets:
        value: CustomerCommands | CustomerHealth | None = table.get(cid)
        if value is not None:
            events = [(cid.encode(), e.model_dump_json().encode(), None) for e in value.outbox]
            await _send_all(topic, events)


def config_keys(
    client_id: str, profiles: CustomerProfiles, channels: Iterable[str] = ()
) -> list[bytes]:
    """The customer's records on the compacted config topic, but its own (`customer/<id>`):
    its access, each profile's and its windows', and each of its alert `channels`.

    That one keeps the deletion as its last record, so that a reader lagging past a
    compaction (the SQL sink after an outage, say) still learns of it.
    """
    keys = [access_key(client_id)]
    by_type = ((ProfileType.Inbound, profiles.inbound), (ProfileType.Outbound, profiles.outbound))
    for ptype, ids in by_type:
        for pid in sorted(ids):
            keys += [profile_config_key(client_id, ptype, pid)]
            keys += [maintenance_key(client_id, ptype, pid)]
    return keys + [channel_key(client_id, name) for name in sorted(channels)]


def _config_records(hub: Hub, cid: str, at: datetime) -> list[Record]:
    """Tombstones of the customer's config records, and a scope trim for every partition."""
    profiles: CustomerProfiles = hub.profiles.get(cid) or CustomerProfiles()
    own = partition_for(cid, hub.settings.partitions)
    channels: CustomerChannels = hub.channels.get(cid) or CustomerChannels()
    keys = config_keys(cid, profiles, channels.channels)
    records: list[Record] = [(key, None, own) for key in keys]
    for part in range(hub.settings.partitions):
        trim = TokenScopesTrimmed(customer=cid, partition=part, at=at)
        records.append((scopes_key(cid), trim.model_dump_json().encode(), part))
    return records


async def _send_all(topic: TopicT, records: Sequence[Record]) -> None:
    """Publish the records, then wait for the broker's acknowledgement of each."""
    sent = [await topic.send(key=k, value=v, partition=p) for k, v, p in records]
    for fut in sent:
        await fut


async def forget_pbxes(hub: Hub, cid: str, at: datetime) -> None:
    """Every PBX of the customer goes, under the PBX lock as every PBX change does."""
    async with hub.pbx_lock:
        w = Work(hub)  # no event of its own: writes go to the config record's partition
        released = [
            UserReleased(username=user, client_id=cid, pbx_id=pbx, at=at)
            for pbx in fold.customer_pbx_ids(hub.pbxes.keys(), cid)
            for user in forget_pbx(w, cid, pbx, at)
        ]
        # Before the writes: a crash between them folds the record again, and finds
        # the users still listed to release.
        for record in released:
            await pbx_api.publish(hub, record.username, record)
        await w.flush(None)
    if hub.connector is not None:
        hub.connector.kick_all(w.connect)


def forget_pbx(w: Work, cid: str, pbx: str, at: datetime) -> list[str]:
    """End the PBX's sessions, disconnect its upstream, forget it, its tokens and events.

    Returns its API users, to be released in their own partitions.
    """
    key = fold.pbx_key(cid, pbx)
    rec: PbxRecord | None = w.mutable("pbxes", key)
    if rec is None:
        return []
    # First, while the PBX is still there to name in the connection's health event.
    upstream.on_removed(w, UpstreamRemoved(client_id=cid, pbx_id=pbx, at=at))
    fx = sessions.end_where(rec, cid, pbx, EndReason.pbx_deleted, at)
    fx.forget_tokens = [s.token_hash for s in rec.sessions.values()]
    fold._apply(w, key, None, fx)
    for event_key in [k for k in w.keys("pbx-events") if k.startswith(f"{key}/")]:
        w.put("pbx-events", event_key, None)  # none should be left; none may stay
    change_id = f"pbx:{key}:customer-deleted:{at.isoformat()}"
    w.changes.append(
        PbxChange(id=change_id, kind=ChangeKind.pbx_deleted, client_id=cid, pbx_id=pbx, at=at)
    )
    return list(rec.users)


def without_customer(token: AdminToken, client_id: str, at: datetime) -> AdminToken | None:
    """The token without the deleted customer in its scope; None when it is not changed.

    A token created after the deletion keeps it: it names the customer created again.
    """
    if client_id not in token.client_ids or token.created > at:
        return None
    kept = [c for c in token.client_ids if c != client_id]
    return token.model_copy(update={"client_ids": kept})


async def trim_scopes(hub: Hub, msg: TokenScopesTrimmed) -> None:
    """Take the deleted customer out of the tokens of the record's partition."""
    parts = hub.settings.partitions
    for tid in [t for t in hub.admin_tokens if partition_for(t, parts) == msg.partition]:
        trimmed = without_customer(hub.admin_tokens[tid], msg.customer, msg.at)
        if trimmed is not None:
            hub.admin_tokens[tid] = trimmed
    # Folded: compaction may forget the record.
    await _send_all(hub.config, [(scopes_key(msg.customer), None, msg.partition)])
