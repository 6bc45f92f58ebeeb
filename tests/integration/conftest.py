"""Fixtures of the integration tests: the real broker, PostgreSQL, topics, and whole hubs."""

from tests.integration.hub_fixtures import hub, own_hub
from tests.integration.kafka_fixtures import kafka_broker, private_broker, topic_factory
from tests.integration.sql_fixtures import postgres_server, sql_database

__all__ = [
    "hub",
    "kafka_broker",
    "own_hub",
    "postgres_server",
    "private_broker",
    "sql_database",
    "topic_factory",
]
