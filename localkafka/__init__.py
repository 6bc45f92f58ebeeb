"""Run a real single-node Apache Kafka broker (KRaft) for `make run` and the tests."""

from localkafka.broker import (
    DEFAULT_CACHE_DIR,
    BrokerStartError,
    JarDownloadError,
    LocalBroker,
    LocalKafkaError,
    ensure_jars,
    free_port,
    free_ports,
    kafka_version,
)

__all__ = [
    "DEFAULT_CACHE_DIR",
    "BrokerStartError",
    "JarDownloadError",
    "LocalBroker",
    "LocalKafkaError",
    "ensure_jars",
    "free_port",
    "free_ports",
    "kafka_version",
]
