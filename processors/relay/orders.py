"""Run operator orders through their life as orders and heartbeats arrive."""

from datetime import datetime, timedelta

from processors.app import Hub
from processors.relay import commands, outbox
from schemas.commands import ORDER, CustomerCommands
from schemas.topics import HeartbeatMessage


async def save(hub: Hub, client_id: str, cc: CustomerCommands) -> None:
    """Write the customer's orders and publish their command events."""
    await outbox.save(hub.commands, hub.command_events, client_id, cc, hub.in_flight)


async def apply_order(hub: Hub, raw: bytes, offset: int) -> tuple[str, datetime]:
    """Fold one order into the customer's orders, once; returns the client and the time."""
    order = ORDER.validate_json(raw)
    if order.client_id not in hub.customers:
        # Deleted after the order was accepted: its commands were cancelled and forgotten.
        return order.client_id, order.at
    cc: CustomerCommands = hub.commands.get(order.client_id) or CustomerCommands()
    if offset > cc.order_offset:
        updated = commands.apply_order(cc, order.client_id, order)
        updated.order_offset = offset
        await save(hub, order.client_id, updated)
    return order.client_id, order.at


async def on_heartbeat(hub: Hub, msg: HeartbeatMessage, seq: int) -> bool:
    """Acknowledge, fail, expire and count deliveries after one heartbeat, once (by its
    sequence number, `schemas.heartbeat_records.seq`).

    Whether the orders changed (and were saved).
    """
    cid: str = msg.client_id
    cc: CustomerCommands | None = hub.commands.get(cid)
    if cc is None or seq <= cc.heartbeat_offset:
        return False
    updated = commands.fold_heartbeat(
        cc, cid, msg.profiles, msg.delivered_commands, msg.received_at
    )
    if updated is cc:
        return False
    await save(hub, cid, updated.model_copy(update={"heartbeat_offset": seq}))
    return True


async def sweep(hub: Hub, cid: str, now: datetime) -> None:
    """Expire due commands, forget old finished ones, flush a left-over outbox."""
    cc: CustomerCommands = hub.commands[cid]
    updated = cc
    if commands.has_due(cc, now):
        updated = cc.model_copy(deep=True)
        commands.expire_due(updated, cid, now)
    before = now - timedelta(seconds=hub.settings.command_retention_s)
    updated = commands.prune_finished(updated, before)
    if updated is not cc or cc.outbox:
        await save(hub, cid, updated)
