"""The worker's metrics: table gauges over a stub hub, the request middleware, the lag."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from processors import metrics, tallies
from processors.app import Hub
from processors.metrics_tables import TableCollector
from processors.runtime.metrics_lag import group_lag
from processors.runtime.metrics_web import record_request, registry_for
from processors.runtime.offsets import Offsets, TPKey
from processors.runtime.tally import Summarize, Tally
from schemas import metric_names as names
from schemas.commands import CommandRecord, CustomerCommands, StateChange
from schemas.enums import ProfileType
from schemas.events import CommandState, Health
from schemas.health import CustomerHealth, ProfileHealth
from schemas.metrics import ConsumerLag
from schemas.pbx import EndReason, PbxConfig, PbxRecord, Session
from schemas.pbx_requests import Callback
from schemas.topics import TopicNames, partition_for

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PARTITIONS = 4
NAMES = TopicNames("t.")


class TP(NamedTuple):
    """A topic partition, as faust's assignor names them."""

    topic: str
    partition: int


def client_in(partitions: set[int], taken: set[str]) -> str:
    """A clientId whose partition is one of `partitions`, not yet in `taken`."""
    for n in range(1000):
        cid = f"cust-{n}"
        if partition_for(cid, PARTITIONS) in partitions and cid not in taken:
            taken.add(cid)
            return cid
    raise AssertionError("no such clientId")


def health(*healths: Health) -> CustomerHealth:
    """A customer whose inbound profiles 1, 2, ... have these healths."""
    profiles = {f"inbound/{i}": ProfileHealth(health=h, since=T0, reason="test")
                for i, h in enumerate(healths, 1)}  # fmt: skip
    return CustomerHealth(profiles=profiles)


def commands(*states: CommandState) -> CustomerCommands:
    """A customer's commands in these states."""
    records = {
        f"c{i}": CommandRecord(
            id=f"c{i}", command="restart", profile_type=ProfileType.Inbound, profile_id=1,
            ttl_s=60, max_deliveries=3, created_at=T0, expires_at=T0 + timedelta(hours=1),
            state=s, history=[StateChange(state=s, at=T0, deliveries=0)],
        )
        for i, s in enumerate(states)
    }  # fmt: skip
    return CustomerCommands(commands=records)


def session(sid: str, expires_in_s: float, queue: list[int], ended: bool = False) -> Session:
    """A session expiring `expires_in_s` after T0 with these events queued."""
    return Session(
        session_id=sid, user="api", token_hash=f"h-{sid}",
        callback=Callback(ipaddr="192.0.2.1", port=8260, urltag=0), created=T0, last_seen=T0,
        expires_at=T0 + timedelta(seconds=expires_in_s), queue=queue,
        end_reason=EndReason.logged_out if ended else None,
    )  # fmt: skip


class Tallied(dict[str, Any]):
    """A table's values with the tally the worker keeps of them."""

    def __init__(self, values: dict[str, Any], summarize: Summarize[Any]) -> None:
        super().__init__(values)
        self.tally = Tally(summarize)
        for key, value in values.items():
            self.tally.note(partition_for(key, PARTITIONS), key, value)


def stub_hub(owned: set[int], tables: dict[str, dict[str, Any]]) -> Hub:
    """A hub owning `owned` partitions actively, with plain dicts for tables."""
    actives = {TP(NAMES.heartbeats, p) for p in owned} | {TP(NAMES.ticks, p) for p in owned}
    app = SimpleNamespace(tables=tables, assignor=SimpleNamespace(assigned_actives=lambda: actives))
    return cast(Hub, SimpleNamespace(
        app=app, names=NAMES, settings=SimpleNamespace(partitions=PARTITIONS),
        health=tables["health"], commands=tables["commands"], pbxes=tables["pbxes"],
        clock=SimpleNamespace(now=lambda: T0),
    ))  # fmt: skip


def two_customers() -> tuple[dict[str, dict[str, Any]], str, str]:
    """Tables with one customer in partitions {0, 1} and one in {2, 3}; their ids."""
    taken: set[str] = set()
    mine, theirs = client_in({0, 1}, taken), client_in({2, 3}, taken)
    rec = PbxRecord(config=PbxConfig(Name="desk"), nonce="n", created=T0, sessions={
        "s1": session("s1", 60, [1, 2]), "s2": session("s2", -1, [3]),
        "s3": session("s3", 60, [], ended=True),
    })  # fmt: skip
    tables: dict[str, dict[str, Any]] = {
        "health": Tallied(
            {mine: health(Health.up, Health.late), theirs: health(Health.down)},
            tallies.profile_healths,
        ),
        "commands": Tallied(
            {mine: commands(CommandState.queued), theirs: commands(CommandState.failed)},
            tallies.command_states,
        ),
        "pbxes": {f"{mine}/p1": rec, f"{theirs}/p1": rec},
        "customers": {mine: object(), theirs: object()},
    }
    return tables, mine, theirs


def samples(registry: CollectorRegistry, name: str) -> dict[str, float]:
    """One family's samples by their single label's value (or '' without labels)."""
    found = {}
    for family in registry.collect():
        for s in family.samples:
            if s.name == name:
                found[next(iter(s.labels.values()), "")] = s.value
    return found


def collected(hub: Hub) -> CollectorRegistry:
    """A registry holding only the hub's table gauges."""
    registry = CollectorRegistry()
    registry.register(TableCollector(hub))
    return registry


def test_gauges_count_only_the_partitions_this_worker_actively_owns() -> None:
    tables, _, _ = two_customers()
    registry = collected(stub_hub({0, 1}, tables))
    profiles = samples(registry, names.PROFILES)
    assert (profiles["up"], profiles["late"], profiles["down"]) == (1, 1, 0)
    assert samples(registry, names.TABLE_ENTRIES) == {
        "health": 1, "commands": 1, "pbxes": 1, "customers": 1,
    }  # fmt: skip
    commands_by_state = samples(registry, names.COMMANDS)
    assert (commands_by_state["queued"], commands_by_state["failed"]) == (1, 0)


def test_a_worker_owning_every_partition_counts_every_key() -> None:
    tables, _, _ = two_customers()
    registry = collected(stub_hub({0, 1, 2, 3}, tables))
    assert samples(registry, names.TABLE_ENTRIES)["customers"] == 2
    assert samples(registry, names.PROFILES)["down"] == 1


def test_every_health_and_state_is_exported_even_when_none_is_counted() -> None:
    tables, _, _ = two_customers()
    registry = collected(stub_hub(set(), tables))
    assert samples(registry, names.PROFILES) == dict.fromkeys(map(str, Health), 0)
    assert samples(registry, names.COMMANDS) == dict.fromkeys(map(str, CommandState), 0)
    assert samples(registry, names.PBX_DELIVERY_BACKLOG) == {"": 0}


def test_pbx_sessions_by_state_and_the_events_queued_for_them() -> None:
    tables, _, _ = two_customers()
    registry = collected(stub_hub({0, 1}, tables))
    assert samples(registry, names.PBX_SESSIONS) == {"alive": 1, "expired": 1, "logged-out": 1}
    assert samples(registry, names.PBX_DELIVERY_BACKLOG) == {"": 3}


def test_the_metrics_page_registry_holds_the_process_and_the_hub() -> None:
    tables, _, _ = two_customers()
    lag = ConsumerLag("t.workers")
    lag.set({NAMES.heartbeats: 7})
    registry = registry_for(stub_hub({0, 1}, tables), lag)
    assert samples(registry, names.CONSUMER_LAG) == {"t.workers": 7}
    assert samples(registry, names.PROFILES)["up"] == 1
    assert samples(registry, "process_cpu_seconds_total")


async def test_worker_requests_are_counted_by_route_template() -> None:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(status=int(request.match_info["client_id"][-3:]))

    app = web.Application(middlewares=[record_request])
    app.router.add_get("/hub/customers/{client_id}", handler)
    route = "/hub/customers/{client_id}"
    labels = {"route": route, "method": "GET", "status": "404"}
    before = metrics.REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) or 0
    async with TestClient(TestServer(app)) as http:
        assert (await http.get("/hub/customers/secret-404")).status == 404
        assert (await http.get("/elsewhere")).status == 404
    assert metrics.REGISTRY.get_sample_value(names.HTTP_REQUESTS, labels) == before + 1
    unmatched = {"route": "unmatched", "method": "GET", "status": "404"}
    assert metrics.REGISTRY.get_sample_value(names.HTTP_REQUESTS, unmatched)


class StubOffsets:
    """End and committed offsets as given."""

    def __init__(self, ends: dict[TPKey, int], committed: dict[TPKey, int]) -> None:
        self._ends, self._committed = ends, committed

    async def ends(self, tps: list[TPKey]) -> dict[TPKey, int]:
        return {tp: self._ends[tp] for tp in tps}

    async def committed_many(self, tps: list[TPKey]) -> dict[TPKey, int]:
        return {tp: self._committed.get(tp, 0) for tp in tps}


async def test_lag_counts_from_the_later_of_committed_and_processed() -> None:
    a, b = ("t.config", 0), ("t.config", 1)
    offsets = cast(Offsets, StubOffsets({a: 100, b: 50}, {a: 40, b: 45}))
    processed = {a: 89}  # the agent got further than the last commit
    lag = await group_lag(offsets, ("t.config", "t.pbx"), [a, b], processed)
    assert lag == {"t.config": (100 - 90) + (50 - 45), "t.pbx": 0}


def test_folds_are_counted_per_agent() -> None:
    before = metrics.REGISTRY.get_sample_value(names.RECORDS_FOLDED, {"agent": "apply-x"}) or 0
    metrics.folded("apply-x", 3)
    after = metrics.REGISTRY.get_sample_value(names.RECORDS_FOLDED, {"agent": "apply-x"})
    assert after == before + 3
