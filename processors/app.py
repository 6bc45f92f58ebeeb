"""The faust app: its topics and changelog-backed tables, built from settings."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict, TypeVar

import faust
from faust.types import TableT, TopicT
from pydantic import BaseModel

from processors import tallies, wake
from processors.relay.states_buffer import StatesBuffer
from processors.runtime.codec import table_value_type
from processors.runtime.due_index import Wake
from processors.runtime.faust_types import Event, idempotent_producers
from processors.runtime.fold_gate import FoldGate
from processors.runtime.indexed_table import IndexedTable
from processors.runtime.offsets import Offsets
from processors.runtime.rocksdb_store import Table
from processors.runtime.tally import Summarize
from processors.settings import WorkerSettings
from schemas.access import CustomerAccess
from schemas.admin_tokens import AdminToken
from schemas.alert_channels import CustomerChannels
from schemas.blind import BlindPeriods
from schemas.clock import Clock
from schemas.commands import CustomerCommands
from schemas.health import CustomerHealth
from schemas.pbx import LOCK_FOR, Lockout, PbxRecord, StoredEvent, UserRecord
from schemas.pbx_upstream import Upstream
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates
from schemas.topics import TopicNames

if TYPE_CHECKING:  # they import the Hub
    from processors.pbx.delivery import Deliverer
    from processors.pbx.takeover import Takeover
    from processors.pbx.upstream_connector import Connector

TP = tuple[str, int]
M = TypeVar("M", bound=BaseModel)
V = TypeVar("V")


@dataclass
class Hub:
    """The app and everything declared on it; agents and views close over this."""

    app: faust.App
    settings: WorkerSettings
    names: TopicNames
    heartbeats: TopicT
    config: TopicT
    orders: TopicT
    ticks: TopicT
    command_events: TopicT
    health_events: TopicT
    answers: TopicT
    live_tokens: TopicT
    pbx_event_gates: TopicT
    customers: Table[str, CustomerConfig]
    profiles: Table[str, CustomerProfiles]
    states: Table[str, CustomerStates]
    commands: IndexedTable[CustomerCommands]
    health: IndexedTable[CustomerHealth]
    pbx: TopicT
    pbx_changes: TopicT
    pbx_deliveries: TopicT
    pbxes: IndexedTable[PbxRecord]
    pbx_tokens: Table[str, str]
    pbx_events: Table[str, StoredEvent]
    pbx_users: Table[str, UserRecord]
    pbx_lockouts: IndexedTable[Lockout]
    pbx_upstreams: IndexedTable[Upstream]
    access: Table[str, CustomerAccess]
    channels: Table[str, CustomerChannels]
    admin_tokens: Table[str, AdminToken]
    blind_periods: Table[str, BlindPeriods]
    clock: Clock
    # Offsets applied per source partition, so a writer can wait until its write is
    # visible. Progress markers only: a restarted worker re-reaches them by itself.
    applied: dict[TP, int] = field(default_factory=dict)
    # Ids of output events this worker is publishing now (see processors.relay.outbox).
    in_flight: set[str] = field(default_factory=set)
    # The latest `received_at` among the heartbeats folded, per partition: how far a
    # lagging partition's deadlines may be judged (see processors.relay.lag).
    heartbeat_marks: dict[int, datetime] = field(default_factory=dict)
    # Each partition's last sweep here (monotonic, hub clock): a long gap is a blind
    # period, kept in the `blind-periods` table (see processors.relay.blind).
    swept: dict[int, tuple[float, datetime]] = field(default_factory=dict)
    offsets: Offsets = field(init=False)
    # Every change of the PBX tables holds this: agents and the sweep read, await the
    # broker, and write; without it one could overwrite what another wrote meanwhile.
    pbx_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # What this worker last published to the answers topic per client, and the clients
    # whose reported states changed since with how long each may wait, per partition
    # (see processors.relay.answer_state).
    answer_sent: dict[str, tuple[int, float]] = field(default_factory=dict)
    answer_dirty: dict[int, dict[str, float]] = field(default_factory=dict)
    # Set by processors.pbx.delivery.attach: starts delivery attempts (process-local).
    deliverer: "Deliverer | None" = None
    # Set by processors.pbx.upstream_connector.attach: drives upstream connections.
    connector: "Connector | None" = None
    # Set by processors.pbx.takeover.attach: which partitions' PBX input is folded.
    takeover: "Takeover | None" = None

    # The `states` table with heartbeats' writes coalesced (processors.relay.states_buffer):
    # read and write reported states through it.
    reported: StatesBuffer = field(init=False)
    # Folds and rebalances take turns (processors.runtime.fold_gate).
    gate: FoldGate[Event] = field(init=False)

    def __post_init__(self) -> None:
        self.offsets = Offsets(self.settings.kafka_bootstrap, self.settings.app_id)
        self.reported = StatesBuffer(
            self.states, self.settings.states_flush_s, lambda: self.app.consumer_generation_id
        )
        self.gate: FoldGate[Event] = FoldGate(self.settings.session_timeout_s / 2)


def _faust_app(settings: WorkerSettings) -> faust.App:
    idempotent_producers()
    return faust.App(
        settings.app_id,
        broker=[f"kafka://{h}" for h in settings.kafka_bootstrap.split(",")],
        store=settings.table_store,
        # Every app.Table: on rocksdb://, reads find keys outside the current event's partition.
        Table=Table,
        datadir=str(Path(settings.data_dir).resolve()),
        autodiscover=False,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        table_standby_replicas=settings.standby_replicas,
        broker_commit_interval=settings.commit_interval_s,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=settings.session_timeout_s / 5,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # A few ms gather a fold's changelog and output records into few requests;
        # without it each record costs a request of its own (bench.scale).
        producer_linger_ms=settings.producer_linger_ms,
        stream_wait_empty=False,
        web_bind=settings.web_bind,
        web_port=settings.web_port,
        canonical_url=settings.url(),
        web_enabled=True,
    )


def _raw_topic(app: faust.App, name: str) -> TopicT:
    # The bytes are parsed by the pydantic contracts in schemas/, not by faust Records.
    return app.topic(
        name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
    )


def _table(app: faust.App, name: str, model: type[M]) -> Table[str, M]:
    return _ours(app.Table(name, key_type=str, value_type=table_value_type(model)))


def _strings(app: faust.App, name: str) -> Table[str, str]:
    return _ours(app.Table(name, key_type=str, value_type=str))


def _ours(table: TableT[str, V]) -> Table[str, V]:
    """A table the app made: of the hub's `Table` class (the app's `Table` setting)."""
    if not isinstance(table, Table):
        raise TypeError(f"{table!r} is not a processors.runtime.rocksdb_store.Table")
    return table


def _indexed(
    app: faust.App,
    name: str,
    model: type[M],
    wake: Wake[M],
    summarize: Summarize[M] | None = None,
) -> IndexedTable[M]:
    """A table whose keys the sweep finds by due time (see processors.runtime.due_index), and
    whose values are tallied by `summarize` when given (see processors.runtime.tally)."""
    table: IndexedTable[M] = IndexedTable(
        app, wake=wake, summarize=summarize, name=name, key_type=str,
        value_type=table_value_type(model), beacon=app.tables.beacon,
    )  # fmt: skip
    app.tables.add(table)
    return table


# The three TypedDicts below repeat Hub's fields on purpose: build_hub's pieces return
# them, and mypy checks each key and type against the field of Hub it fills.
class _Topics(TypedDict):
    heartbeats: TopicT
    config: TopicT
    orders: TopicT
    ticks: TopicT
    command_events: TopicT
    health_events: TopicT
    answers: TopicT
    live_tokens: TopicT
    pbx_event_gates: TopicT
    pbx: TopicT
    pbx_changes: TopicT
    pbx_deliveries: TopicT


class _RelayTables(TypedDict):
    customers: Table[str, CustomerConfig]
    profiles: Table[str, CustomerProfiles]
    states: Table[str, CustomerStates]
    commands: IndexedTable[CustomerCommands]
    health: IndexedTable[CustomerHealth]
    access: Table[str, CustomerAccess]
    channels: Table[str, CustomerChannels]
    admin_tokens: Table[str, AdminToken]
    blind_periods: Table[str, BlindPeriods]


class _PbxTables(TypedDict):
    pbxes: IndexedTable[PbxRecord]
    pbx_tokens: Table[str, str]
    pbx_events: Table[str, StoredEvent]
    pbx_users: Table[str, UserRecord]
    pbx_lockouts: IndexedTable[Lockout]
    pbx_upstreams: IndexedTable[Upstream]


def _topics(app: faust.App, names: TopicNames) -> _Topics:
    """Every topic the agents read or publish to, of raw bytes."""
    return _Topics(
        heartbeats=_raw_topic(app, names.heartbeats),
        config=_raw_topic(app, names.config),
        orders=_raw_topic(app, names.commands),
        ticks=_raw_topic(app, names.ticks),
        command_events=_raw_topic(app, names.command_events),
        health_events=_raw_topic(app, names.health_events),
        answers=_raw_topic(app, names.answers),
        live_tokens=_raw_topic(app, names.live_tokens),
        pbx_event_gates=_raw_topic(app, names.pbx_event_gates),
        pbx=_raw_topic(app, names.pbx),
        pbx_changes=_raw_topic(app, names.pbx_changes),
        pbx_deliveries=_raw_topic(app, names.pbx_deliveries),
    )


def _relay_tables(app: faust.App, settings: WorkerSettings) -> _RelayTables:
    """The tables of customers, their profiles, commands, health and access."""
    command_retention = timedelta(seconds=settings.command_retention_s)
    return _RelayTables(
        customers=_table(app, "customers", CustomerConfig),
        profiles=_table(app, "profiles", CustomerProfiles),
        states=_table(app, "profile-states", CustomerStates),
        commands=_indexed(
            app,
            "commands",
            CustomerCommands,
            lambda v: wake.commands(v, command_retention),
            tallies.command_states,
        ),
        health=_indexed(app, "health", CustomerHealth, wake.health, tallies.profile_healths),
        access=_table(app, "customer-access", CustomerAccess),
        channels=_table(app, "alert-channels", CustomerChannels),
        admin_tokens=_table(app, "admin-tokens", AdminToken),
        blind_periods=_table(app, "blind-periods", BlindPeriods),
    )


def _pbx_tables(app: faust.App, settings: WorkerSettings) -> _PbxTables:
    """The PBX API's tables: PBXes with their sessions, tokens, events, users, lockouts."""
    ended_retention = timedelta(seconds=settings.pbx_ended_retention_s)
    return _PbxTables(
        pbxes=_indexed(app, "pbxes", PbxRecord, lambda v: wake.pbx(v, ended_retention)),
        pbx_tokens=_strings(app, "pbx-tokens"),
        pbx_events=_table(app, "pbx-events", StoredEvent),
        pbx_users=_table(app, "pbx-users", UserRecord),
        pbx_lockouts=_indexed(app, "pbx-lockouts", Lockout, lambda v: wake.lockout(v, LOCK_FOR)),
        pbx_upstreams=_indexed(app, "pbx-upstreams", Upstream, wake.upstream),
    )


def build_hub(settings: WorkerSettings) -> Hub:
    """Declare the app, its topics and tables; agents and views are attached by the caller."""
    app = _faust_app(settings)
    names = TopicNames(settings.topic_prefix)
    return Hub(
        app=app,
        settings=settings,
        names=names,
        clock=Clock(settings.clock_offset_file),
        **_topics(app, names),
        **_relay_tables(app, settings),
        **_pbx_tables(app, settings),
    )
