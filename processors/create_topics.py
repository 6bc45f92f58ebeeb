"""Create the hub's input topics: `python -m processors.create_topics` (idempotent).

Run before the ingress and the workers start (by `make run`, and by the Helm chart's
hook). Changelog topics are created by the workers themselves, with the same count.
"""

import logging

from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.log_format import configure
from schemas.settings import KafkaSettings
from schemas.topics import TopicNames

log = logging.getLogger(__name__)
RETENTION_MS = 7 * 24 * 3600 * 1000
# Ticks and ingress probes matter for a second; keep an hour for debugging.
SHORT_RETENTION_MS = 3600 * 1000


# Compacted topics (the config topic and every changelog) roll a segment every 10
# minutes or 32 MiB, and the cleaner runs once a fifth of the log is superseded. With
# one segment that never rolls, compaction never runs and a restarted worker replays
# every write ever made; with these, it replays about one value per key.
COMPACTION = {
    "cleanup.policy": "compact",
    "segment.ms": str(10 * 60 * 1000),
    "segment.bytes": str(32 * 1024 * 1024),
    "min.cleanable.dirty.ratio": "0.2",
    "delete.retention.ms": str(24 * 3600 * 1000),
}


def topic_specs(settings: KafkaSettings) -> list[NewTopic]:
    """The topics to create, with their partitions and cleanup policies."""
    specs = []
    names = TopicNames(settings.topic_prefix)
    for name, compacted in names.all().items():
        short = name in (names.ticks, names.probes)
        retention = SHORT_RETENTION_MS if short else RETENTION_MS
        cfg = dict(COMPACTION) if compacted else {"retention.ms": str(retention)}
        cfg["min.insync.replicas"] = str(min(2, settings.replication_factor))
        specs.append(
            NewTopic(name, settings.partitions, settings.replication_factor, topic_configs=cfg)
        )
    return specs


def ensure_topics(settings: KafkaSettings) -> None:
    """Create missing topics; raise if an existing one has another partition count."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap.split(","))
    specs = topic_specs(settings)
    created = 0
    try:
        for spec in specs:
            try:
                admin.create_topics([spec])
                created += 1
                log.debug("created topic %s (%d partitions)", spec.name, spec.num_partitions)
            except TopicAlreadyExistsError:
                _check_partitions(admin, spec)
                _align_configs(admin, spec)
    finally:
        admin.close()
    # One line, not one per topic: `make run` prints it above its banner.
    log.info(
        "%d topics '%s*' ready (%d created), %d partitions each",
        len(specs),
        settings.topic_prefix,
        created,
        settings.partitions,
    )


def _check_partitions(admin: KafkaAdminClient, spec: NewTopic) -> None:
    meta = admin.describe_topics([spec.name])[0]
    found = len(meta["partitions"])
    if found != spec.num_partitions:
        raise SystemExit(
            f"topic {spec.name} has {found} partitions, settings say {spec.num_partitions}: "
            "every topic of the hub must have the same count"
        )


def _align_configs(admin: KafkaAdminClient, spec: NewTopic) -> None:
    # Topics made by an earlier version get today's settings (incremental: only these keys).
    resource = ConfigResource(ConfigResourceType.TOPIC, spec.name, configs=spec.topic_configs)
    admin.alter_configs([resource], incremental=True)


def main() -> None:
    """Create the topics named by the environment's settings."""
    settings = KafkaSettings()
    configure(settings.log_format, settings.log_level)
    ensure_topics(settings)


if __name__ == "__main__":
    main()
