"""Fixtures of the integration tests: the real broker, topics, and whole hubs."""

from tests.integration.hub_fixtures import hub
from tests.integration.kafka_fixtures import kafka_broker, topic_factory

__all__ = ["hub", "kafka_broker", "topic_factory"]
