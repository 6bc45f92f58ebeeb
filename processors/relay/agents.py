"""Agents that fold the input topics into the tables, and the sweep that follows time."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol, TypeVar

from pydantic import ValidationError

from processors.app import Hub
from processors.pbx import agents as pbx_agents
from processors.relay import (
    answer_state,
    blind,
    config,
    health_unchanged,
    lag,
    monitor,
    orders,
    outbox,
    reported,
)
from processors.relay.customer_deletion import fold_deletion
from processors.runtime.batching import Hold, take_events
from processors.runtime.faust_types import (
    Event,
    Partitions,
    Stream,
    on_partitions_assigned,
    on_partitions_revoked,
    set_current_event,
)
from schemas import heartbeat_records
from schemas.access import AccessSet
from schemas.admin_tokens import AdminTokenSet
from schemas.alert_channels import ChannelSet
from schemas.answer_state import AnswerState, open_orders
from schemas.commands import CustomerCommands, Tick
from schemas.customer_deletion import CustomerDeleted, TokenScopesTrimmed
from schemas.profiles import CustomerProfiles, CustomerStates
from schemas.topics import (
    CONFIG_EVENT,
    CustomerImported,
    CustomersImported,
    CustomerUpserted,
    HeartbeatMessage,
    MaintenanceSet,
    ProfileDeleted,
    ProfileUpserted,
    partition_for,
)

log = logging.getLogger(__name__)
ConfigEvent = (
    CustomerUpserted
    | ProfileUpserted
    | ProfileDeleted
    | MaintenanceSet
    | AccessSet
    | ChannelSet
    | AdminTokenSet
)
ConfigRecord = ConfigEvent | CustomerImported | CustomerDeleted | TokenScopesTrimmed
TableEvent = CustomerUpserted | ProfileDeleted | AccessSet | ChannelSet | AdminTokenSet
TICK_KEY = b"tick"


class HasClient(Protocol):
    """A record about one client."""

    @property
    def client_id(self) -> str: ...


BATCH = 500
BATCH_WITHIN_S = 0.02


def apply_config(hub: Hub, event: TableEvent) -> None:
    """Write one configuration event (not a profile edit: see on_client_config) into the tables."""
    cid = event.client_id
    if isinstance(event, CustomerUpserted):
        hub.customers[cid] = event.customer
        return
    if isinstance(event, AdminTokenSet):
        if event.token is not None:
            hub.admin_tokens[cid] = event.token
        elif cid in hub.admin_tokens:
            del hub.admin_tokens[cid]
        return
    if not _known(hub, event):
        return
    if isinstance(event, AccessSet):
        hub.access[cid] = event.access
        return
    if isinstance(event, ChannelSet):
        hub.channels[cid] = event.applied_to(hub.channels.get(cid))
        return
    profiles: CustomerProfiles = hub.profiles.get(cid) or CustomerProfiles()
    updated = config.delete_profile(profiles, event)
    hub.profiles[cid] = updated
    states: CustomerStates | None = hub.reported.get(cid)
    if states is not None:
        hub.reported.write(cid, reported.prune(states, updated))


def _known(hub: Hub, event: ConfigEvent) -> bool:
    """Whether the event's customer exists; logs the drop of an event of one that does not."""
    if event.client_id in hub.customers:
        return True
    # Its customer was deleted after the write was accepted: nothing to attach it to.
    log.info("dropping %s of unknown customer %s", event.kind, event.client_id)
    return False


def apply_heartbeats(
    hub: Hub, client_id: str, msgs: list[HeartbeatMessage]
) -> tuple[CustomerStates, CustomerStates] | None:
    """Fold a client's heartbeats into its reported states, written with its partition's
    next flush (see processors.relay.states_buffer); the states before and after (None for a
    client without profiles)."""
    profiles: CustomerProfiles | None = hub.profiles.get(client_id)
    if profiles is None:
        return None
    before: CustomerStates = hub.reported.get(client_id) or CustomerStates()
    states = before
    for msg in msgs:
        states = reported.apply_heartbeat(states, profiles, msg.profiles, msg.received_at)
    hub.reported.put(partition_for(client_id, hub.settings.partitions), client_id, states)
    return before, states


async def on_client_config(hub: Hub, cid: str, items: list[tuple[ConfigRecord, int]]) -> None:
    """One client's configuration records of a batch, in order: tables, then health once.

    A run of profile upserts and window changes (an imported customer's profiles, say)
    is applied to one copy of the client's profiles, written once at the run's end.
    An import is folded as its parts; its never-heard profiles publish no transition
    into `new` (see monitor.refresh).
    """
    imports = [e for e, _ in items if isinstance(e, CustomerImported)]
    if len(imports) == len(items):
        await on_imports(hub, cid, imports)
        return
    await _on_config(hub, cid, items, imported=bool(imports))
    deleted = any(isinstance(e, CustomerDeleted) for e, _ in items)
    await answer_state.sync(hub, cid, deleted=deleted)


async def _on_config(
    hub: Hub, cid: str, items: list[tuple[ConfigRecord, int]], *, imported: bool
) -> None:
    editing: CustomerProfiles | None = None
    for event in _expanded(items):
        if isinstance(event, ProfileUpserted | MaintenanceSet):
            if _known(hub, event):
                editing = editing or _editable(hub.profiles.get(cid))
                _edit(editing, event)
            continue
        if editing is not None:
            hub.profiles[cid], editing = editing, None
        if isinstance(event, CustomerDeleted | TokenScopesTrimmed):
            await fold_deletion(hub, event)
        else:
            apply_config(hub, event)
    if editing is not None:
        hub.profiles[cid] = editing
    latest = max((e.at for e, _ in items if e.at is not None), default=None)
    await monitor.refresh(hub, cid, latest or hub.clock.now(), quiet_new=imported)


async def on_imports(hub: Hub, cid: str, imports: list[CustomerImported]) -> None:
    """A client's imports of a batch: two table writes, its answer state, and health only
    if ever heard from.

    A customer with no reported state and no stored health is, after an import, `new`
    or `paused` (inactive) in every profile with nothing due: imports carry no
    maintenance windows, and deadlines start at a first heartbeat. So its health is
    neither evaluated nor stored (see monitor.refresh's `quiet_new`); the answer state
    is built from what the import wrote, without reading it back.
    """
    before: CustomerProfiles | None = hub.profiles.get_own(cid)
    profiles = _editable(before)
    for event in imports:
        for cfg in event.profiles:
            config.put_profile(profiles, cfg)
    hub.customers[cid] = imports[-1].customer
    hub.profiles[cid] = profiles
    if before is None:
        # No profile before: no reported state, command or health can exist (a deleted
        # customer's tables are emptied); relay access can (set on the bare customer).
        state = AnswerState(profiles=profiles, access=hub.access.get_own(cid))
        await answer_state.publish(hub, cid, state)
        return
    states: CustomerStates | None = hub.reported.get(cid)
    if states is not None or cid in hub.health:
        latest = max((e.at for e in imports if e.at is not None), default=None)
        await monitor.refresh(hub, cid, latest or hub.clock.now(), quiet_new=True)
    cc: CustomerCommands | None = hub.commands.get(cid)
    state = AnswerState(
        profiles=profiles,
        states=states or CustomerStates(),
        access=hub.access.get(cid),
        commands=None if cc is None else open_orders(cc),
    )
    await answer_state.publish(hub, cid, state)


def _expanded(
    items: list[tuple[ConfigRecord, int]],
) -> list[ConfigEvent | CustomerDeleted | TokenScopesTrimmed]:
    """The batch's events in order, each import replaced by its parts."""
    out: list[ConfigEvent | CustomerDeleted | TokenScopesTrimmed] = []
    for event, _ in items:
        if isinstance(event, CustomerImported):
            out += event.parts()
        else:
            out.append(event)
    return out


def _editable(profiles: CustomerProfiles | None) -> CustomerProfiles:
    return CustomerProfiles() if profiles is None else profiles.model_copy(deep=True)


def _edit(profiles: CustomerProfiles, event: ProfileUpserted | MaintenanceSet) -> None:
    if isinstance(event, ProfileUpserted):
        config.upsert_into(profiles, event)
    else:
        config.maintenance_into(profiles, event)


def decode_config(raw: bytes) -> list[ConfigRecord]:
    """A configuration record's events: its one event, or each customer of an import chunk."""
    event: ConfigRecord | CustomersImported = CONFIG_EVENT.validate_json(raw)
    if isinstance(event, CustomersImported):
        return list(event.imports())
    return [event]


async def on_client_heartbeats(
    hub: Hub, cid: str, items: list[tuple[HeartbeatMessage, int]]
) -> None:
    """One client's heartbeats of a batch, in order: each table key is written once.

    The reported states are folded into one value; orders still see every heartbeat
    (their deliveries are counted exactly); health is evaluated once, at the latest.
    """
    states = apply_heartbeats(hub, cid, [m for m, _ in items])
    changed = False
    for msg, at_seq in items:
        changed = await orders.on_heartbeat(hub, msg, at_seq) or changed
    latest = max(m.received_at for m, _ in items)
    lag.note_heartbeats(hub, partition_for(cid, hub.settings.partitions), latest)
    if (
        changed
        or states is None
        or not health_unchanged.unchanged(hub.health.get(cid), *states, latest)
    ):
        await monitor.refresh(hub, cid, latest)
    if changed:
        await answer_state.sync(hub, cid)
        return
    profiles: CustomerProfiles | None = hub.profiles.get(cid)
    carried_all = profiles is not None and reported.carries_all(profiles, items[-1][0].profiles)
    await answer_state.heard(hub, cid, carried_all=carried_all)


async def on_order(hub: Hub, raw: bytes, offset: int) -> None:
    """An operator order: orders, then health (a desired state changes `stopped`'s reason)."""
    cid, at = await orders.apply_order(hub, raw, offset)
    await monitor.refresh(hub, cid, at)
    await answer_state.sync(hub, cid)


async def on_tick(hub: Hub, tick: Tick, stream: Stream) -> None:
    """Sweep one partition: only the keys its due indexes say are due (commands, health, PBX)."""
    part, now, retry = tick.partition, tick.now, hub.settings.sweep_interval_s
    blind.note_sweep(hub, part)
    # The transitions of every key due are acknowledged together at the end (outbox):
    # awaited one key at a time, a sweep with thousands due fell seconds behind.
    async with outbox.batched():
        for cid in hub.commands.due.pop_due(part, now):
            if cid in hub.commands:
                await orders.sweep(hub, cid, now)
                await answer_state.sync(hub, cid)
            hub.commands.due.settle(part, cid, hub.commands.get(cid), now, retry)
        at = await lag.judged_at(hub, part, now)
        if at is not None:
            for cid in hub.health.due.pop_due(part, at):
                await monitor.refresh(hub, cid, at)
                hub.health.due.settle(part, cid, hub.health.get(cid), at, retry)
        await answer_state.flush_states(hub, part)
        if hub.reported.due(part):
            hub.reported.flush(part)
    await pbx_agents.sweep(hub, stream, part, now)


async def send_ticks(hub: Hub, now: datetime) -> None:
    """Ask each partition this worker actively owns to be swept at `now`."""
    for tp in hub.app.assignor.assigned_actives():
        if tp.topic == hub.names.ticks:
            tick = Tick(partition=tp.partition, now=now)
            await hub.ticks.send(
                key=TICK_KEY, value=tick.model_dump_json().encode(), partition=tp.partition
            )


def _mark(hub: Hub, event: Event) -> None:
    tp = event.message.tp
    hub.applied[(tp.topic, tp.partition)] = event.message.offset


Handler = Callable[[Hub, Event], Awaitable[None]]


async def consume(hub: Hub, stream: Stream, handle: Handler, *, mark: bool = True) -> None:
    """Feed each record to `handle`, in order; skip unreadable ones; record progress for
    read-your-writes. Records come in batches through the fold gate (`take_events`),
    each acknowledged once its batch is handled."""
    async for events in take_events(stream, BATCH, BATCH_WITHIN_S, gate=hub.gate):
        for event in events:
            set_current_event(stream, event)  # tables route writes by it
            await _handle(hub, event, handle)
            if mark:  # ticks are sweep signals, not input folded into the tables
                _mark(hub, event)


async def _handle(hub: Hub, event: Event, handle: Handler) -> None:
    try:
        await handle(hub, event)
    except ValidationError:
        # A record no writer of this version produces: skip it, never block it.
        log.exception("skipping unreadable record at %s", event.message.tp)


M = TypeVar("M", bound=HasClient)
ClientHandler = Callable[[Hub, str, list[tuple[M, int]]], Awaitable[None]]


async def consume_batches(
    hub: Hub,
    stream: Stream,
    decode: Callable[[bytes], list[M]],
    handle: ClientHandler[M],
    hold: Hold | None = None,
) -> None:
    """Records in batches (up to BATCH or BATCH_WITHIN_S), their messages handed over per
    client in order, each with its sequence number (`heartbeat_records.seq`: a record
    may hold several); acknowledged after the batch, or handed to `hold` (take_events)."""
    async for events in take_events(stream, BATCH, BATCH_WITHIN_S, hold, hub.gate):
        by_client: dict[str, list[tuple[M, int]]] = {}
        last: dict[str, Event] = {}
        for event in events:
            if event.value is None:
                continue  # a tombstone: compaction's cue, with nothing to fold
            try:
                msgs = decode(event.value)
            except ValidationError:
                log.exception("skipping unreadable record at %s", event.message.tp)
                continue
            offset = event.message.offset
            for index, msg in enumerate(msgs):
                by_client.setdefault(msg.client_id, []).append(
                    (msg, heartbeat_records.seq(offset, index))
                )
                last[msg.client_id] = event
        # The batch's output events are acknowledged together, at its end (outbox).
        async with outbox.batched():
            for cid, items in by_client.items():
                # Tables route a write to the changelog partition of the current event.
                set_current_event(stream, last[cid])
                await handle(hub, cid, items)
        for event in events:
            _mark(hub, event)


def register_agents(hub: Hub) -> None:
    """Attach the agents and the sweep timer to the app."""

    @hub.app.agent(hub.config, name="apply-config")
    async def config_agent(stream: Stream) -> None:
        await consume_batches(hub, stream, decode_config, on_client_config)

    @hub.app.agent(hub.heartbeats, name="apply-heartbeats")
    async def heartbeat_agent(stream: Stream) -> None:
        await consume_batches(
            hub,
            stream,
            heartbeat_records.decode,
            on_client_heartbeats,
            hold=hub.reported.hold_events,
        )

    @hub.app.agent(hub.orders, name="apply-orders")
    async def orders_agent(stream: Stream) -> None:
        await consume(hub, stream, lambda h, e: on_order(h, e.value, e.message.offset))

    @hub.app.agent(hub.ticks, name="sweep")
    async def tick_agent(stream: Stream) -> None:
        tick = Tick.model_validate_json
        await consume(hub, stream, lambda h, e: on_tick(h, tick(e.value), stream), mark=False)

    async def forget_unwritten(tps: Partitions) -> None:
        hub.reported.revoked()

    on_partitions_revoked(hub.app, forget_unwritten)

    async def forget_lost_sweeps(tps: Partitions) -> None:
        blind.keep_only(hub, {tp.partition for tp in tps if tp.topic == hub.names.ticks})

    on_partitions_assigned(hub.app, forget_lost_sweeps)

    @hub.app.timer(interval=hub.settings.sweep_interval_s)  # type: ignore[untyped-decorator]
    async def tick_timer() -> None:
        if not (hub.app.rebalancing or hub.app.in_recovery):
            await send_ticks(hub, hub.clock.now())
