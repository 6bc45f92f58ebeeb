"""Topic creation: every topic with its settings, and earlier topics brought up to date."""

import uuid

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic

from localkafka.broker import LocalBroker
from processors.create_topics import COMPACTION, ensure_topics
from schemas.settings import KafkaSettings
from schemas.topics import TopicNames


def configs(admin: KafkaAdminClient, topic: str) -> dict[str, str]:
    """The topic's effective configuration."""
    found = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
    return {k: v["value"] for k, v in found["topic"][topic].items()}


def test_a_changelog_made_by_an_earlier_version_gets_segments_that_roll(
    kafka_broker: LocalBroker,
) -> None:
    prefix = f"ct{uuid.uuid4().hex[:8]}."
    names = TopicNames(prefix)
    settings = KafkaSettings(
        kafka_bootstrap=kafka_broker.bootstrap, topic_prefix=prefix, partitions=2
    )
    admin = KafkaAdminClient(bootstrap_servers=kafka_broker.bootstrap)
    try:
        old = names.changelog("health")
        admin.create_topics([NewTopic(old, 2, 1, topic_configs={"cleanup.policy": "compact"})])
        assert configs(admin, old).get("segment.ms") != COMPACTION["segment.ms"]
        ensure_topics(settings)
        for topic in (old, names.config):
            found = configs(admin, topic)
            assert {k: found.get(k) for k in COMPACTION} == COMPACTION
        assert configs(admin, names.probes)["retention.ms"] == str(3600 * 1000)
    finally:
        admin.close()
