"""Prometheus pieces every hub process shares: its registry, the exposition, the HTTP,
publish and consumer-lag metrics.

Each process has its own registry (`process_registry`), never prometheus_client's
global one: a test or a tool may import several processes' modules at once. Label
children are looked up once and cached, so that recording a request on the hot path
costs a dictionary lookup, an increment and an observation.
"""

from collections.abc import Iterable, Mapping

from prometheus_client import (
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from schemas import metric_names as names

UNMATCHED = "unmatched"
"""The route label of a request no route matched (never its path: it may hold an id)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def process_registry() -> CollectorRegistry:
    """A registry for one process, with its CPU, memory, file and GC figures."""
    # `_created` series would double the series count, and nothing here reads them.
    disable_created_metrics()  # type: ignore[no-untyped-call]
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


def exposition(registry: Collector, accept: str | None) -> tuple[bytes, str]:
    """The samples in the format `accept` asks for (OpenMetrics or text), and its media type."""
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


def method_label(method: str) -> str:
    """The method as a label: a standard one, else `other` (methods are client input)."""
    return method if method in METHODS else "other"


class HttpMetrics:
    """Requests by route template, method and status, and their latency."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            names.HTTP_REQUESTS,
            "HTTP requests answered, by route template, method and status.",
            ("route", "method", "status"),
            registry=registry,
        )
        self.duration = Histogram(
            names.HTTP_DURATION,
            "Time from an HTTP request's arrival until its answer was sent.",
            ("route", "method"),
            buckets=names.HTTP_BUCKETS,
            registry=registry,
        )
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def record(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one answered request; `route` is a template, `method` a `method_label`."""
        key = (route, method, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(route, method, str(status)),
                self.duration.labels(route, method),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)


class PublishMetrics:
    """Kafka publish latency (acknowledged records) and failures, by topic."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.duration = Histogram(
            names.PUBLISH_DURATION,
            "Time from sending a record to Kafka until acks=all, of acknowledged records.",
            ("topic",),
            buckets=names.HTTP_BUCKETS,
            registry=registry,
        )
        self.failures = Counter(
            names.PUBLISH_FAILURES,
            "Records Kafka did not acknowledge: not sent (send), not in time (timeout), "
            "or refused (error).",
            ("topic", "reason"),
            registry=registry,
        )
        self._acked: dict[str, Histogram] = {}

    def acknowledged(self, topic: str, seconds: float) -> None:
        """A record of `topic` was acknowledged `seconds` after it was sent."""
        child = self._acked.get(topic)
        if child is None:
            child = self._acked[topic] = self.duration.labels(topic)
        child.observe(seconds)

    def failed(self, topic: str, reason: str) -> None:
        """A record of `topic` was not acknowledged: `send`, `timeout` or `error`."""
        self.failures.labels(topic, reason).inc()

    def unacknowledged(self, topic: str, error: BaseException) -> None:
        """A record of `topic` was sent but not acknowledged: in time, or at all."""
        self.failed(topic, "timeout" if isinstance(error, TimeoutError) else "error")


def lag_family(group: str, by_topic: Mapping[str, int]) -> GaugeMetricFamily:
    """The consumer-lag gauge of one consumer group, one sample per topic."""
    family = GaugeMetricFamily(
        names.CONSUMER_LAG,
        "Records in the partitions this process consumes that it has not processed yet.",
        labels=("group", "topic"),
    )
    for topic, lag in sorted(by_topic.items()):
        family.add_metric((group, topic), lag)
    return family


class ConsumerLag:
    """A consumer group's lag, set by whoever measures it and read at scrape time."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.by_topic: dict[str, int] = {}

    def set(self, by_topic: Mapping[str, int]) -> None:
        """Replace the figures (one assignment: safe to read from another thread)."""
        self.by_topic = dict(by_topic)

    def describe(self) -> Iterable[Metric]:
        """The family without samples, for the registry's duplicate check."""
        return [lag_family(self.group, {})]

    def collect(self) -> Iterable[Metric]:
        """The last figures."""
        return [lag_family(self.group, self.by_topic)]
