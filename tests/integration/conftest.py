"""Makes the Kafka fixtures available to every integration test."""

# Imported by bare name: pytest puts this folder on sys.path (tests/ is not a package),
# and the fixtures move into tests/conftest.py later.
from kafka_fixtures import kafka_broker, topic_factory

__all__ = ["kafka_broker", "topic_factory"]
