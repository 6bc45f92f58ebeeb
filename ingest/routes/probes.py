"""`/healthz`, `/readyz` and `/metrics`, as routed and documented."""

from ingest.metrics import metrics_page
from ingest.operation import Endpoint, Operation, Path
from ingest.routes.parts import answer, content, obj, schema
from ingest.write_probes import healthz, readyz

WRITE_PROBE = schema(
    "WriteProbe",
    obj(
        {
            "status": {"type": "string", "enum": ["ok", "stuck", "ready", "unready"]},
            "kafkaWrites": {"type": "string", "enum": ["acknowledged", "failing"]},
            "reason": {"type": "string"},
            "lastAckAgeSeconds": {"type": ["number", "null"]},
            "unreadySeconds": {"type": "number"},
        },
        ("status", "kafkaWrites", "reason", "lastAckAgeSeconds", "unreadySeconds"),
        description="Whether this replica's Kafka writes are being acknowledged.",
    ),
)


def _probe(path: str, endpoint: Endpoint, op_id: str, summary: str, failing: str) -> Operation:
    body = content(WRITE_PROBE)
    answers = {200: answer("Writes are fine.", body), 503: answer(failing, body)}
    return Operation("GET", Path(path), endpoint, op_id, summary, "probes", answers)


TEXT = {"schema": {"type": "string"}}
OPERATIONS = (
    _probe(
        "/healthz",
        healthz,
        "healthz",
        "Liveness",
        "Writes have failed for longer than `HUB_LIVENESS_LIMIT_S`: restart me.",
    ),
    _probe(
        "/readyz",
        readyz,
        "readyz",
        "Readiness",
        "Kafka writes are not being acknowledged right now.",
    ),
    Operation(
        "GET",
        Path("/metrics"),
        metrics_page,
        "metrics",
        "The ingress's Prometheus metrics",
        "probes",
        {
            200: answer(
                "Prometheus text format, or OpenMetrics when `Accept` asks.",
                {"text/plain": TEXT, "application/openmetrics-text": TEXT},
            ),
            404: answer("Asked through a proxy (`X-Forwarded-For` or `Forwarded` present)."),
        },
    ),
)
