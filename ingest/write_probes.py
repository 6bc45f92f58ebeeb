"""`/healthz` and `/readyz`: whether this replica's Kafka writes are being acknowledged."""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ingest.services import Services
from ingest.write_health import WriteStatus


def _write_status(request: Request) -> WriteStatus:
    services: Services = request.app.state.services
    return services.publisher.health.status(services.publisher.now())


def _status_body(status: WriteStatus) -> dict[str, object]:
    return {
        "kafkaWrites": "acknowledged" if status.ready else "failing",
        "reason": status.reason,
        "lastAckAgeSeconds": status.last_ack_age_s,
        "unreadySeconds": round(status.unready_for_s, 3),
    }


async def healthz(request: Request) -> Response:
    """Liveness: fails once Kafka writes have failed for longer than the limit."""
    status = _write_status(request)
    limit = request.app.state.services.settings.liveness_limit_s
    stuck = not status.ready and status.unready_for_s > limit
    body = {"status": "stuck" if stuck else "ok", **_status_body(status)}
    return JSONResponse(body, status_code=503 if stuck else 200)


async def readyz(request: Request) -> Response:
    """Readiness: Kafka writes are being acknowledged, and the replicas are caught up."""
    status = _write_status(request)
    services: Services = request.app.state.services
    replica, tokens = services.answers.ready, services.live_tokens.ready
    ready = status.ready and replica and tokens
    body = {
        "status": "ready" if ready else "unready",
        "answers": "caught up" if replica else "reading",
        "liveTokens": "caught up" if tokens else "reading",
        **_status_body(status),
    }
    return JSONResponse(body, status_code=200 if ready else 503)
