"""The ASGI application: routes and the lifespan of the shared clients."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware

from ingest.answers import Answers
from ingest.errors import BrokerUnavailable
from ingest.event_gates import EventGates
from ingest.fast_paths import FastPaths
from ingest.heartbeat_batches import HeartbeatBatches
from ingest.heartbeat_producer import HeartbeatProducer
from ingest.live_tokens import LiveTokens
from ingest.metrics import RequestMetrics
from ingest.not_found import not_found
from ingest.operation import routes
from ingest.own_orders import OwnOrders
from ingest.probe import run_probes
from ingest.publisher import Publisher
from ingest.replica import Replica
from ingest.responder_client import ResponderClient
from ingest.routes import OPERATIONS
from ingest.services import Services
from ingest.settings import IngestSettings
from ingest.shedding import Gate, watch_lag
from schemas.clock import Clock
from schemas.topics import TopicNames

log = logging.getLogger(__name__)


def build_services(settings: IngestSettings) -> Services:
    """The shared clients, not yet connected."""
    topics = TopicNames(settings.topic_prefix)
    publisher = Publisher(
        settings.kafka_bootstrap, settings.publish_timeout_s, stale_s=settings.ready_stale_s
    )
    # The heartbeats' own producer; its acknowledgements count in the same write health.
    producer = HeartbeatProducer(
        settings.kafka_bootstrap, settings.publish_timeout_s, publisher.health, publisher.now
    )
    return Services(
        settings=settings,
        topics=topics,
        publisher=publisher,
        responder=ResponderClient(
            settings.responder_url,
            settings.responder_timeout_s,
            settings.apply_wait_s,
            settings.partitions,
        ),
        admin_token=settings.token(),
        clock=Clock(settings.clock_offset_file),
        gate=Gate(settings.max_in_flight, settings.max_loop_lag_s),
        answers=Answers(settings.kafka_bootstrap, topics.answers, settings.partitions),
        heartbeat_producer=producer,
        heartbeats=_batches(settings, producer, topics.heartbeats),
        renewals=_batches(settings, producer, topics.pbx),
        own_orders=OwnOrders(),
        live_tokens=LiveTokens(settings.kafka_bootstrap, topics.live_tokens, settings.partitions),
        event_gates=EventGates(settings.kafka_bootstrap, topics.pbx_event_gates, _key(settings)),
    )


def _batches(settings: IngestSettings, producer: HeartbeatProducer, topic: str) -> HeartbeatBatches:
    linger_s = settings.heartbeat_linger_ms / 1000
    return HeartbeatBatches(producer, topic, linger_s, settings.heartbeat_batch)


def _key(settings: IngestSettings) -> bytes | None:
    """The hub's secret key, when this ingress has it and checks event URLs itself."""
    if not settings.pbx_events_at_ingress:
        return None
    try:
        return settings.key()
    except (ValueError, OSError):
        return None


ROUTES = routes(OPERATIONS)
"""Every route of the table; the relay and PBX heartbeats are taken before them by FastPaths."""


# Heartbeats skip these: the fast paths wrap the app (ingest.fast_paths).
MIDDLEWARE = [Middleware(RequestMetrics)]


def lifespan(services: Services) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    """The app's lifespan: the shared clients started, then stopped."""

    @contextlib.asynccontextmanager
    async def run(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        tasks = await _start(services)
        yield
        await _stop(services, tasks)

    return run


async def _start(services: Services) -> list["asyncio.Task[None]"]:
    loop = asyncio.get_running_loop()
    for replica in _replicas(services):
        replica.start(loop)
    try:
        await services.publisher.warm(services.topics.ingress_writes())
    except BrokerUnavailable as e:
        log.warning("Kafka not reachable at start, answering 503 until it is: %s", e)
    settings = services.settings
    probes = run_probes(
        services.publisher,
        topic=services.topics.probes,
        partitions=settings.partitions,
        interval_s=settings.probe_interval_s,
    )
    return [loop.create_task(probes), loop.create_task(watch_lag(services.gate))]


async def _stop(services: Services, tasks: list["asyncio.Task[None]"]) -> None:
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await services.responder.close()
    await services.heartbeat_producer.close()
    services.publisher.close()
    for replica in _replicas(services):
        replica.stop()


def _replicas(services: Services) -> tuple[Replica[Any], ...]:
    return (services.answers.replica, services.live_tokens.replica, services.event_gates.replica)


def create_app(settings: IngestSettings) -> FastPaths:
    """The ingress app for these settings."""
    return FastPaths(
        Starlette(
            routes=ROUTES,
            lifespan=lifespan(build_services(settings)),
            middleware=MIDDLEWARE,
            exception_handlers={404: not_found, 405: not_found},
        )
    )
