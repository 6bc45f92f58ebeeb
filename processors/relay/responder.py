"""The responder: answers heartbeats and admin reads from the tables."""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson

from processors.app import Hub
from processors.pbx import pbx_health
from processors.relay import customer_health
from processors.relay.blind import periods
from processors.runtime.faust_types import Response, View, WebRequest
from processors.runtime.routing import OWNER_TABLE, is_ready, route
from schemas import access
from schemas import internal_api as api
from schemas.alert_channels import CustomerChannels
from schemas.commands import CustomerCommands
from schemas.health import CustomerHealth, HealthView, view_of, with_pbxes
from schemas.profiles import CustomerConfig, CustomerProfiles, CustomerStates, CustomerView
from schemas.topics import partition_for

log = logging.getLogger(__name__)
JSON = "application/json"
EMPTY_COMMANDS = CustomerCommands()
WAIT_POLL_S = 0.005
COMMITTED_LOOK_S = 0.5
CATCH_UP_S = 5.0
MAX_WAIT_S = 30.0


def _json(view: View, body: bytes, status: int = 200) -> Response:
    return view.bytes(body, content_type=JSON, status=status)


def customer_view(hub: Hub, client_id: str) -> CustomerView | None:
    """The customer, its profiles and their last reported state; None if unknown."""
    customer: CustomerConfig | None = hub.customers.get(client_id)
    if customer is None:
        return None
    return CustomerView(
        client_id=client_id,
        customer=customer,
        profiles=hub.profiles.get(client_id) or CustomerProfiles(),
        states=hub.reported.get(client_id) or CustomerStates(),
        as_of=datetime.now(UTC),
    )


async def caught_up(hub: Hub, client_id: str, timeout_s: float) -> bool:
    """Wait until every record already in the client's partitions is applied.

    Admin reads thus see every write and heartbeat the hub acknowledged before them.
    """
    topics = (hub.names.config, hub.names.heartbeats, hub.names.commands, hub.names.pbx)
    return await caught_up_on(hub, client_id, topics, timeout_s)


async def applied_offset(hub: Hub, tp: tuple[str, int]) -> int:
    """The last offset of `tp` this worker applied.

    With nothing processed here since this worker took the partition, what the group
    committed before was applied by then, and recovered from the changelog. Set only
    if still unset after the wait: a record marked meanwhile is newer.
    """
    if tp not in hub.applied:
        committed = await hub.offsets.committed(tp)
        hub.applied.setdefault(tp, committed - 1)
    return hub.applied[tp]


async def caught_up_on(hub: Hub, key: str, topics: tuple[str, ...], timeout_s: float) -> bool:
    """Wait until every record already in these topics' partitions of `key` is applied."""
    part = partition_for(key, hub.settings.partitions)
    ends = await hub.offsets.ends([(t, part) for t in topics])
    for tp in ends:
        await applied_offset(hub, tp)
    deadline = time.monotonic() + timeout_s
    next_look = time.monotonic()
    while behind := [tp for tp, end in ends.items() if hub.applied.get(tp, -1) < end - 1]:
        now = time.monotonic()
        if now >= deadline:
            # The partition, not the key: a key may be a token.
            log.warning(
                "partition %d not caught up after %.1f s: applied/end %s",
                part,
                timeout_s,
                {tp: (hub.applied.get(tp, -1) + 1, ends[tp]) for tp in behind},
            )
            return False
        if now >= next_look:
            await _committed_marks(hub, behind)
            next_look = now + COMMITTED_LOOK_S
        await asyncio.sleep(WAIT_POLL_S)
    return True


async def _committed_marks(hub: Hub, tps: list[tuple[str, int]]) -> None:
    """Raise these partitions' marks to what the group committed, where that is further.

    A partition this worker owned before, lost and took back keeps its old mark, while
    the worker that held it meanwhile folded (and committed) records this one will never
    process: what the group committed is in the recovered tables all the same.
    """
    committed = await hub.offsets.committed_many(tps)
    for tp in tps:
        if committed[tp] - 1 > hub.applied.get(tp, -1):
            hub.applied[tp] = committed[tp] - 1


def health_now(hub: Hub, client_id: str) -> HealthView | None:
    """The customer's health evaluated now (the sweep records it within a second)."""
    customer = hub.customers.get(client_id)
    if customer is None:
        return None
    profiles = hub.profiles.get(client_id) or CustomerProfiles()
    states = hub.reported.get(client_id) or CustomerStates()
    current: CustomerHealth = hub.health.get(client_id) or CustomerHealth()
    ctx = (customer, profiles, states, hub.commands.get(client_id))
    now = hub.clock.now()
    view = view_of(customer_health.refresh(current, client_id, ctx, now, periods(hub, client_id)))
    return with_pbxes(view, pbx_health.customer_pbxes(hub, client_id, now))


def owners(hub: Hub) -> dict[str, str]:
    """Each partition's owning worker, as faust's assignor knows it (for the ingress)."""
    changelog = hub.names.changelog(OWNER_TABLE)
    return {
        str(p): url
        for url, topics in hub.app.assignor.tables_metadata().items()
        for p in topics.get(changelog, ())
    }


def _wait_s(request: WebRequest) -> float:
    try:
        return min(max(float(request.query.get("wait", CATCH_UP_S)), 0.0), MAX_WAIT_S)
    except ValueError:
        return CATCH_UP_S


Produce = Callable[[Hub, str], bytes | None]


def _customer(hub: Hub, cid: str) -> bytes | None:
    found = customer_view(hub, cid)
    return found.model_dump_json().encode() if found else None


def _commands(hub: Hub, cid: str) -> bytes:
    cc: CustomerCommands = hub.commands.get(cid) or EMPTY_COMMANDS
    return cc.model_dump_json(exclude={"outbox"}).encode()


def _health(hub: Hub, cid: str) -> bytes | None:
    found = health_now(hub, cid)
    return found.model_dump_json().encode() if found else None


def _access(hub: Hub, cid: str) -> bytes | None:
    if hub.customers.get(cid) is None:
        return None
    return orjson.dumps(access.view(hub.access.get(cid)))


def _channels(hub: Hub, cid: str) -> bytes | None:
    """The admin view of the customer's alert channels: never a secret."""
    if hub.customers.get(cid) is None:
        return None
    found: CustomerChannels = hub.channels.get(cid) or CustomerChannels()
    return orjson.dumps([c.model_dump(mode="json") for c in found.view()])


def _token(hub: Hub, token_id: str) -> bytes | None:
    found = hub.admin_tokens.get(token_id)
    return found.model_dump_json().encode() if found is not None else None


READS: tuple[tuple[str, str, Produce], ...] = (
    (api.CUSTOMER, "hub-customers", _customer),
    (api.COMMANDS, "hub-commands", _commands),
    (api.HEALTH, "hub-health", _health),
    (api.ACCESS, "hub-access", _access),
    (api.CHANNELS, "hub-channels", _channels),
    # Internal only, as every /hub view: it carries the token's hash for the ingress.
    (api.ADMIN_TOKEN, "hub-admin-tokens", _token),
)
"""The reads of one customer (or token): path, view name, what the answer is."""


def register_views(hub: Hub) -> None:
    """Mount the responder's views on the worker's web server."""
    for path, name, produce in READS:
        hub.app.page(path, name=name)(_read_view(hub, produce))
    _register_worker_views(hub)


def _read_view(hub: Hub, produce: Produce) -> type[View]:
    """A GET view of one customer, answered after catching up; 404 when unknown."""

    class ReadView(View):
        async def get(self, request: WebRequest, client_id: str) -> Response:
            async def serve() -> Response:
                applied = await caught_up(hub, client_id, _wait_s(request))
                body = produce(hub, client_id)
                if body is None:
                    return _json(self, b'{"error":"unknown client"}', 404)
                return _json(self, body, 200 if applied else 202)

            return await route(hub, self, request, client_id, serve)

    return ReadView


def _register_worker_views(hub: Hub) -> None:
    """The worker's own views: which worker owns what, and whether this one is ready."""

    @hub.app.page(api.OWNERS)
    class OwnersPage(View):
        async def get(self, request: WebRequest) -> Response:
            return self.json({"owners": owners(hub)})

    @hub.app.page(api.READY)
    class ReadyPage(View):
        async def get(self, request: WebRequest) -> Response:
            if is_ready(hub) and hub.app.assignor.assigned_actives():
                return self.json({"status": "ready"})
            return self.json({"status": "recovering or unassigned"}, status=503)
