"""The ASGI application: routes and the lifespan of the shared clients."""

import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ingest import admin, relay
from ingest import health_admin as health
from ingest import orders_admin as orders
from ingest.errors import BrokerUnavailable
from ingest.publisher import Publisher
from ingest.responder_client import ResponderClient
from ingest.services import Services
from ingest.settings import IngestSettings
from schemas.clock import Clock
from schemas.topics import TopicNames

log = logging.getLogger(__name__)


def build_services(settings: IngestSettings) -> Services:
    """The shared clients, not yet connected."""
    return Services(
        settings=settings,
        topics=TopicNames(settings.topic_prefix),
        publisher=Publisher(settings.kafka_bootstrap, settings.publish_timeout_s),
        responder=ResponderClient(
            settings.responder_url,
            settings.responder_timeout_s,
            settings.apply_wait_s,
            settings.partitions,
        ),
        admin_token=settings.token(),
        clock=Clock(settings.clock_offset_file),
    )


async def healthz(request: Request) -> Response:
    """Liveness: the process serves HTTP."""
    return JSONResponse({"status": "ok"})


PROFILE = "/admin/customers/{clientId}/profiles/{ptype}/{profileId:int}"
ORDER_ROUTES = [
    Route(f"{PROFILE}/desired-state", admin.endpoint(orders.put_desired_state), methods=["PUT"]),
    Route(f"{PROFILE}/commands", admin.endpoint(orders.post_command), methods=["POST"]),
    Route(f"{PROFILE}/commands", admin.endpoint(orders.list_commands), methods=["GET"]),
    Route(f"{PROFILE}/commands/{{commandId}}", admin.endpoint(orders.get_command), methods=["GET"]),
    Route(
        f"{PROFILE}/commands/{{commandId}}",
        admin.endpoint(orders.delete_command),
        methods=["DELETE"],
    ),
]

HEALTH_ROUTES = [
    Route("/admin/customers/{clientId}/health", admin.endpoint(health.get_health), methods=["GET"]),
    Route(f"{PROFILE}/maintenance", admin.endpoint(health.put_maintenance), methods=["PUT"]),
    Route(f"{PROFILE}/maintenance", admin.endpoint(health.delete_maintenance), methods=["DELETE"]),
]

ROUTES = [
    Route("/api/customer/{clientId}/heartbeat", relay.heartbeat, methods=["PUT"]),
    Route("/admin/customers/{clientId}", admin.endpoint(admin.put_customer), methods=["PUT"]),
    Route("/admin/customers/{clientId}", admin.endpoint(admin.get_customer), methods=["GET"]),
    Route(
        "/admin/customers/{clientId}/profiles/{ptype}/{profileId:int}",
        admin.endpoint(admin.put_profile),
        methods=["PUT"],
    ),
    Route(
        "/admin/customers/{clientId}/profiles/{ptype}/{profileId:int}",
        admin.endpoint(admin.delete_profile),
        methods=["DELETE"],
    ),
    *ORDER_ROUTES,
    *HEALTH_ROUTES,
    Route("/healthz", healthz, methods=["GET"]),
]


def create_app(settings: IngestSettings) -> Starlette:
    """The ingress app for these settings."""
    services = build_services(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.services = services
        try:
            await services.publisher.warm(list(services.topics.all()))
        except BrokerUnavailable as e:
            log.warning("Kafka not reachable at start, answering 503 until it is: %s", e)
        yield
        await services.responder.close()
        services.publisher.close()

    return Starlette(routes=ROUTES, lifespan=lifespan)
