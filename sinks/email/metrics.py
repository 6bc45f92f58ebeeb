"""The e-mail sink's Prometheus metrics, on its faust web server's `GET /metrics`.

Messages sent, retried and refused are counted by the send loop (`sinks.email.smtp`);
the consumer lag of the sink's group is asked of the broker every few seconds.
Nothing is served when the web server is off (HUB_EMAIL_WEB_PORT=0).
"""

from typing import Any

from prometheus_client import CollectorRegistry, Counter

from processors.runtime.metrics_lag import group_lag, owned_partitions, watch_lag
from processors.runtime.metrics_web import serve_metrics
from processors.runtime.offsets import Offsets
from schemas import metric_names as names
from schemas.metrics import ConsumerLag, process_registry

REGISTRY = process_registry()
SENT = Counter(names.EMAILS_SENT, "Messages the SMTP server accepted.", registry=REGISTRY)
RETRIES = Counter(
    names.EMAIL_RETRIES, "Tries that failed transiently and were retried.", registry=REGISTRY
)
REJECTED = Counter(
    names.EMAILS_REJECTED, "Messages the SMTP server refused for good.", registry=REGISTRY
)


def attach(app: Any, bootstrap: str, group: str, topic: str) -> CollectorRegistry:
    """Serve `/metrics` on the sink's app and measure the lag of `group` on `topic`."""
    lag = ConsumerLag(group)
    registry = CollectorRegistry()
    registry.register(REGISTRY)
    registry.register(lag)
    serve_metrics(app, registry)
    offsets = Offsets(bootstrap, group)

    async def measure() -> dict[str, int]:
        return await group_lag(offsets, (topic,), owned_partitions(app, (topic,)))

    watch_lag(app, lag, measure)

    @app.on_before_shutdown.connect  # type: ignore[untyped-decorator]
    async def close_offsets(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        await offsets.close()

    return registry
