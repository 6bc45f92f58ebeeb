"""Agents and the sweep timer that run operator orders through their life."""

import logging
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from processors import commands
from processors.app import Hub
from schemas.commands import ORDER, CustomerCommands, Tick
from schemas.topics import partition_for

log = logging.getLogger(__name__)
TICK_KEY = b"tick"


async def save(hub: Hub, client_id: str, cc: CustomerCommands) -> None:
    """Write the customer's orders, then publish and clear their outbox (at least once).

    The table write comes first, so an event is never published for a change that a
    crash could lose; a crash after it leaves the outbox in the changelog, and the
    next sweep publishes it. Sink consumers recognize repeats by the event's id.
    """
    hub.commands[client_id] = cc
    if not cc.outbox:
        return
    sent = set()
    for event in cc.outbox:
        fut = await hub.command_events.send(
            key=client_id.encode(), value=event.model_dump_json().encode()
        )
        await fut
        sent.add(event.id)
    # Re-read: another agent may have changed the customer while we awaited the broker.
    current: CustomerCommands = hub.commands[client_id]
    left = [e for e in current.outbox if e.id not in sent]
    hub.commands[client_id] = current.model_copy(update={"outbox": left})


async def apply_order(hub: Hub, raw: bytes, offset: int) -> None:
    """Fold one order into the customer's orders, once."""
    order = ORDER.validate_json(raw)
    cc: CustomerCommands = hub.commands.get(order.client_id) or CustomerCommands()
    if offset <= cc.order_offset:
        return
    updated = commands.apply_order(cc, order.client_id, order)
    updated.order_offset = offset
    await save(hub, order.client_id, updated)


async def on_heartbeat(hub: Hub, msg: Any, offset: int) -> None:
    """Acknowledge, fail, expire and count deliveries after one heartbeat, once."""
    cid: str = msg.client_id
    cc: CustomerCommands | None = hub.commands.get(cid)
    if cc is None or offset <= cc.heartbeat_offset:
        return
    updated = commands.on_heartbeat(cc, cid, msg.profiles, msg.received_at)
    updated = commands.record_deliveries(updated, cid, msg.delivered_commands, msg.received_at)
    if updated is not cc:
        await save(hub, cid, updated.model_copy(update={"heartbeat_offset": offset}))


async def sweep(hub: Hub, tick: Tick) -> None:
    """Expire due commands, forget old finished ones, flush left-over outboxes."""
    before = tick.now - timedelta(seconds=hub.settings.command_retention_s)
    parts = hub.settings.partitions
    for cid in [k for k in hub.commands if partition_for(k, parts) == tick.partition]:
        cc: CustomerCommands = hub.commands[cid]
        updated = cc
        if commands.has_due(cc, tick.now):
            updated = cc.model_copy(deep=True)
            commands.expire_due(updated, cid, tick.now)
        updated = commands.prune_finished(updated, before)
        if updated is not cc or cc.outbox:
            await save(hub, cid, updated)


async def send_ticks(hub: Hub) -> None:
    """Ask each partition this worker actively owns to be swept, at the worker's clock."""
    now = hub.clock.now()
    for tp in hub.app.assignor.assigned_actives():
        if tp.topic == hub.names.ticks:
            tick = Tick(partition=tp.partition, now=now)
            await hub.ticks.send(
                key=TICK_KEY, value=tick.model_dump_json().encode(), partition=tp.partition
            )


def register_orders(hub: Hub) -> None:
    """Attach the orders agent, the tick agent and the sweep timer."""

    @hub.app.agent(hub.orders, name="apply-orders")
    async def orders_agent(stream: Any) -> None:
        async for event in stream.events():
            try:
                await apply_order(hub, event.value, event.message.offset)
            except ValidationError:
                log.exception("skipping unreadable order at %s", event.message.tp)
            tp = event.message.tp
            hub.applied[(tp.topic, tp.partition)] = event.message.offset

    @hub.app.agent(hub.ticks, name="sweep")
    async def tick_agent(stream: Any) -> None:
        async for event in stream.events():
            try:
                await sweep(hub, Tick.model_validate_json(event.value))
            except ValidationError:
                log.exception("skipping unreadable tick at %s", event.message.tp)

    @hub.app.timer(interval=hub.settings.sweep_interval_s)  # type: ignore[untyped-decorator]
    async def tick_timer() -> None:
        if not (hub.app.rebalancing or hub.app.in_recovery):
            await send_ticks(hub)
