"""The worker's Prometheus metrics recorded as things happen (counters and histograms).

Gauges read from the tables are computed at scrape time (`processors.metrics_tables`);
the web server's middleware, the `/metrics` page and the lag timer are attached by
`processors.runtime.metrics_web`. This module imports nothing of the app, so that the hot
paths (batching, the heartbeat publish, deliveries) can record without cycles.
"""

from prometheus_client import Counter, Histogram

from schemas import metric_names as names
from schemas.metrics import HttpMetrics, PublishMetrics, process_registry

REGISTRY = process_registry()
HTTP = HttpMetrics(REGISTRY)
PUBLISH = PublishMetrics(REGISTRY)
FOLDED = Counter(
    names.RECORDS_FOLDED,
    "Input records an agent has folded into the tables.",
    ("agent",),
    registry=REGISTRY,
)
DELIVERIES = Counter(
    names.PBX_DELIVERIES,
    "Attempts to deliver a PBX event to a session's callback, by outcome.",
    ("outcome",),
    registry=REGISTRY,
)
DELIVERY_DURATION = Histogram(
    names.PBX_DELIVERY_DURATION,
    "One delivery attempt's POST to a session's callback.",
    buckets=names.SLOW_BUCKETS,
    registry=REGISTRY,
)
UNNAMED_AGENT = "unnamed"


def folded(agent: str, count: int) -> None:
    """An agent (its faust name, the stream's prefix) folded `count` records."""
    FOLDED.labels(agent or UNNAMED_AGENT).inc(count)


def delivered(outcome: str, seconds: float) -> None:
    """A delivery attempt ended with `outcome` after `seconds`."""
    DELIVERIES.labels(outcome).inc()
    DELIVERY_DURATION.observe(seconds)
