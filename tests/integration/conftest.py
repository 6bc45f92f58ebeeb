"""Fixtures of the integration tests: private brokers, PostgreSQL, topics, hubs of a test's own
(the session's broker and hubs are in tests/conftest.py)."""

from tests.integration.hub_fixtures import own_hub
from tests.integration.kafka_fixtures import private_broker, topic_factory
from tests.integration.sql_fixtures import postgres_outage_server, postgres_server, sql_database

__all__ = [
    "own_hub",
    "postgres_outage_server",
    "postgres_server",
    "private_broker",
    "sql_database",
    "topic_factory",
]
