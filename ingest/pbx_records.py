"""Publish PBX API records from the ingress, each in its route's partition of the `pbx` topic."""

from typing import Any

from ingest.services import Services
from schemas.topics import partition_for


async def publish(services: Services, record: Any) -> int:
    """Publish a `schemas.pbx_topics` record (acks=all); returns its offset."""
    ack = await services.publisher.publish(
        services.topics.pbx,
        record.route.encode(),
        record.model_dump_json().encode(),
        partition=partition_for(record.route, services.settings.partitions),
    )
    return ack.offset
