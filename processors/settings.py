"""Settings of the processor worker (`python -m processors`)."""

from functools import lru_cache

from pydantic import Field

from schemas.pbx_settings import PbxSharedSettings
from schemas.settings import ClockSettings, KafkaSettings
from schemas.topics import TopicNames


class WorkerSettings(KafkaSettings, PbxSharedSettings, ClockSettings):
    """One worker of the faust app; its web server is the responder."""

    web_bind: str = Field(default="127.0.0.1", description="address the responder listens on")
    web_port: int = Field(default=6066, ge=1, le=65535)
    canonical_url: str = Field(
        default="", description="URL other workers reach this one at; default http://bind:port"
    )
    table_store: str = Field(default="memory://", description="memory:// or rocksdb://")
    data_dir: str = Field(default=".cache/worker", description="faust's data directory")
    standby_replicas: int = Field(default=1, ge=0, le=8)
    commit_interval_s: float = Field(default=1.0, gt=0, le=60)
    producer_linger_ms: int = Field(
        default=5,
        ge=0,
        le=100,
        description="how long the worker's producer gathers records into one request",
    )
    fetch_max_wait_ms: int = Field(
        default=100,
        ge=1,
        le=1500,
        description="longest the broker holds a worker's fetch that finds nothing new "
        "(processors.runtime.fetch_wait)",
    )
    session_timeout_s: float = Field(
        default=10.0, ge=6, le=300, description="how soon a crashed worker's partitions move"
    )
    states_flush_s: float = Field(
        default=5.0,
        ge=0,
        le=300,
        description="how long heartbeats' reported states wait for one table write and "
        "one answers record per client (a worker that dies replays at most this much; "
        "0: at every sweep)",
    )
    carried_states_every_s: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        description="how often the answers record of a client whose last heartbeat carried "
        "every profile is republished for its reported states alone (an answer shows a "
        "carried profile's fields from the heartbeat itself)",
    )
    lag_interval_s: float = Field(
        default=10.0,
        ge=0.5,
        le=300,
        description="how often the consumer lag metric is measured (from the records "
        "folded, not only the offsets committed)",
    )
    sweep_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="how often each owned partition is swept"
    )
    command_retention_s: int = Field(
        default=7 * 24 * 3600, ge=60, description="how long finished commands stay queryable"
    )
    heartbeat_publish_timeout_s: float = Field(
        default=4.0, gt=0, le=60, description="wait for acks=all before a heartbeat is 503"
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1024, description="largest heartbeat body")
    pbx_delivery_timeout_s: float = Field(
        default=5.0, gt=0, le=120, description="a receiver answering later is a failed attempt"
    )
    pbx_retry_max_s: float = Field(
        default=300.0, ge=1, le=3600, description="longest wait between a session's retries"
    )
    pbx_queue_limit: int = Field(
        default=1000, ge=1, le=100_000, description="events a session holds; older are dropped"
    )
    pbx_ended_retention_s: int = Field(
        default=24 * 3600,
        ge=60,
        description="how long an ended session is shown and its "
        "token answered 20006/20004 before it is forgotten",
    )
    public_url: str = Field(
        default="", description="the hub's URL as customers' PBXes reach it (their event URLs)"
    )
    pbx_max_deliveries: int = Field(
        default=256, ge=1, le=10_000, description="delivery attempts in flight per worker"
    )

    @property
    def app_id(self) -> str:
        """The consumer group and the prefix of every changelog topic."""
        return TopicNames(self.topic_prefix).workers_group

    def url(self) -> str:
        """The canonical URL of this worker's responder."""
        return self.canonical_url or f"http://{self.web_bind}:{self.web_port}"


@lru_cache(maxsize=1)
def get_settings() -> WorkerSettings:
    """The worker's settings, read once from the environment."""
    return WorkerSettings()
