"""The long-lived clients the routes share, created in the app's lifespan."""

from dataclasses import dataclass

from ingest.answers import Answers
from ingest.event_gates import EventGates
from ingest.heartbeat_batches import HeartbeatBatches
from ingest.heartbeat_producer import HeartbeatProducer
from ingest.live_tokens import LiveTokens
from ingest.own_orders import OwnOrders
from ingest.publisher import Publisher
from ingest.responder_client import ResponderClient
from ingest.settings import IngestSettings
from ingest.shedding import Gate
from schemas.clock import Clock
from schemas.topics import TopicNames


@dataclass
class Services:
    """What a request handler needs: settings, Kafka, the responder."""

    settings: IngestSettings
    topics: TopicNames
    publisher: Publisher
    responder: ResponderClient
    admin_token: str | None
    clock: Clock
    gate: Gate
    answers: Answers
    heartbeat_producer: HeartbeatProducer
    heartbeats: HeartbeatBatches
    # PBX API heartbeats' renewals on the `pbx` topic, gathered the same way.
    renewals: HeartbeatBatches
    own_orders: OwnOrders
    live_tokens: LiveTokens
    event_gates: EventGates
