"""The life of operator orders: pure functions over one customer's `CustomerCommands`.

queued -> delivered (each answer that carried it) -> acknowledged | failed, or
expired (ttl passed first) or cancelled (by the operator) at any point before that.
A delivered command is acknowledged by the client's next heartbeat; for start and
stop, by the next heartbeat that reports the profile Started or Stopped. Each change is
appended to the command's history and to the outbox of events to publish.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from schemas.commands import (
    CommandCancelled,
    CommandQueued,
    CommandRecord,
    CustomerCommands,
    DesiredState,
    DesiredStateSet,
    StateChange,
    profile_key,
)
from schemas.enums import ClientAction, ServerStatus
from schemas.events import FINAL_COMMAND_STATES, CommandEvent, CommandState
from schemas.relay import ProfileHeartbeatData

Order = DesiredStateSet | CommandQueued | CommandCancelled
STATUS_OF = {"start": ServerStatus.Started, "stop": ServerStatus.Stopped}
DESIRED_STATUS = {ClientAction.START: ServerStatus.Started, ClientAction.STOP: ServerStatus.Stopped}


def change(
    cc: CustomerCommands, client_id: str, rec: CommandRecord, state: CommandState, at: datetime
) -> None:
    """Move `rec` (owned by `cc`) to `state`, recording history and an outbox event."""
    rec.state = state
    rec.history.append(StateChange(state=state, at=at, deliveries=rec.deliveries))
    cc.outbox.append(event_of(client_id, rec, len(rec.history) - 1))


def event_of(client_id: str, rec: CommandRecord, seq: int) -> CommandEvent:
    """The event of change number `seq` of a command."""
    step = rec.history[seq]
    return CommandEvent(
        client_id=client_id,
        profile_type=rec.profile_type,
        profile_id=rec.profile_id,
        command_id=rec.id,
        seq=seq,
        command=rec.command,
        state=step.state,
        deliveries=step.deliveries,
        ttl_s=rec.ttl_s,
        max_deliveries=rec.max_deliveries,
        created_at=rec.created_at,
        at=step.at,
    )


def is_idle(cc: CustomerCommands) -> bool:
    """Nothing a heartbeat could change: no queued command, no desired state pending."""
    return not any(cc.queues.values()) and not any(d.pending for d in cc.desired.values())


def apply_order(cc: CustomerCommands, client_id: str, order: Order) -> CustomerCommands:
    """The customer's orders after one operator order."""
    result = cc.model_copy(deep=True)
    if isinstance(order, DesiredStateSet):
        if order.action is ClientAction.NONE:
            result.desired.pop(order.profile, None)
        else:
            result.desired[order.profile] = DesiredState(action=order.action, set_at=order.at)
    elif isinstance(order, CommandQueued):
        _queue(result, client_id, order)
    else:
        _cancel(result, client_id, order)
    return result


def _queue(cc: CustomerCommands, client_id: str, order: CommandQueued) -> None:
    if order.command_id in cc.commands:
        return  # the same order read twice
    rec = CommandRecord(
        id=order.command_id,
        command=order.command,
        profile_type=order.profile_type,
        profile_id=order.profile_id,
        ttl_s=order.ttl_s,
        max_deliveries=order.max_deliveries,
        created_at=order.at,
        expires_at=order.at + timedelta(seconds=order.ttl_s),
        state=CommandState.queued,
        history=[StateChange(state=CommandState.queued, at=order.at, deliveries=0)],
    )
    cc.commands[rec.id] = rec
    cc.queues.setdefault(order.profile, []).append(rec.id)
    cc.outbox.append(event_of(client_id, rec, 0))


def _cancel(cc: CustomerCommands, client_id: str, order: CommandCancelled) -> None:
    rec = cc.commands.get(order.command_id)
    if rec is None or rec.state in FINAL_COMMAND_STATES:
        return
    change(cc, client_id, rec, CommandState.cancelled, order.at)
    _dequeue(cc, rec)


def _dequeue(cc: CustomerCommands, rec: CommandRecord) -> None:
    queue = cc.queues.get(profile_key(rec.profile_type, rec.profile_id), [])
    if rec.id in queue:
        queue.remove(rec.id)


def expire_due(cc: CustomerCommands, client_id: str, now: datetime) -> None:
    """Expire, in place, every unfinished command whose ttl has passed."""
    for queue in cc.queues.values():
        for cid in list(queue):
            rec = cc.commands[cid]
            if rec.expires_at <= now:
                change(cc, client_id, rec, CommandState.expired, rec.expires_at)
                queue.remove(cid)


def _acknowledges(rec: CommandRecord, entry: ProfileHeartbeatData | None) -> bool:
    wanted = STATUS_OF.get(rec.command)
    if wanted is None:
        return True
    return entry is not None and entry.ServerStatus == wanted


def _entries(items: Iterable[ProfileHeartbeatData]) -> dict[str, ProfileHeartbeatData]:
    return {profile_key(i.ProfileType, i.ProfileId): i for i in items}


def on_heartbeat(
    cc: CustomerCommands, client_id: str, items: list[ProfileHeartbeatData], at: datetime
) -> CustomerCommands:
    """The orders once a heartbeat arrived: expiries, acknowledgements, failures, reached."""
    if is_idle(cc) and not has_due(cc, at):
        return cc
    result = cc.model_copy(deep=True)
    expire_due(result, client_id, at)
    entries = _entries(items)
    for pkey, queue in result.queues.items():
        _settle_head(result, client_id, queue, entries.get(pkey), at)
    for pkey, desired in result.desired.items():
        entry = entries.get(pkey)
        if desired.pending and entry and entry.ServerStatus == DESIRED_STATUS[desired.action]:
            desired.reached_at = at
    return result


def has_due(cc: CustomerCommands, at: datetime) -> bool:
    """Whether an unfinished command's ttl has passed at `at`."""
    return any(cc.commands[c].expires_at <= at for q in cc.queues.values() for c in q)


def _settle_head(
    cc: CustomerCommands,
    client_id: str,
    queue: list[str],
    entry: ProfileHeartbeatData | None,
    at: datetime,
) -> None:
    while queue:
        rec = cc.commands[queue[0]]
        if rec.state is not CommandState.delivered:
            return
        if _acknowledges(rec, entry):
            change(cc, client_id, rec, CommandState.acknowledged, at)
        elif rec.deliveries >= rec.max_deliveries:
            change(cc, client_id, rec, CommandState.failed, at)
        else:
            return
        queue.pop(0)


def record_deliveries(
    cc: CustomerCommands, client_id: str, ids: list[str], at: datetime
) -> CustomerCommands:
    """Count one delivery of each command an answer carried (finished ones are left alone)."""
    if not ids:
        return cc
    result = cc.model_copy(deep=True)
    for cid in ids:
        rec = result.commands.get(cid)
        if rec is not None and rec.state not in FINAL_COMMAND_STATES:
            rec.deliveries += 1
            change(result, client_id, rec, CommandState.delivered, at)
    return result


def fold_heartbeat(
    cc: CustomerCommands,
    client_id: str,
    items: list[ProfileHeartbeatData],
    delivered: list[str],
    at: datetime,
) -> CustomerCommands:
    """The orders once a heartbeat is folded: `on_heartbeat`, then the deliveries of the
    commands its answer carried (`delivered`), as the workers fold every heartbeat."""
    settled = on_heartbeat(cc, client_id, items, at)
    return record_deliveries(settled, client_id, delivered, at)


def heads(cc: CustomerCommands) -> dict[str, CommandRecord]:
    """The command each profile's answer carries: the head of its queue."""
    return {pkey: cc.commands[q[0]] for pkey, q in cc.queues.items() if q}


def prune_finished(cc: CustomerCommands, before: datetime) -> CustomerCommands:
    """Forget finished commands whose last change is older than `before`."""
    old = [
        cid
        for cid, rec in cc.commands.items()
        if rec.state in FINAL_COMMAND_STATES and rec.history[-1].at < before
    ]
    if not old:
        return cc
    result = cc.model_copy(deep=True)
    for cid in old:
        del result.commands[cid]
    return result
