"""Settings of the SQL sink (`python -m sinks.sql`), from `HUB_*` environment variables."""

from pathlib import Path

from pydantic import Field, SecretStr

from schemas.settings import KafkaSettings, secret_text


class SqlSinkSettings(KafkaSettings):
    """Where the database is, how rows are batched, how long heartbeats are kept."""

    database_url: SecretStr = Field(
        default=SecretStr("sqlite:///.cache/hub.db"),
        description="SQLAlchemy URL: a SQLite file, or postgresql+psycopg://... in production",
    )
    database_url_file: Path | None = Field(
        default=None, description="file holding the URL (wins over database_url)"
    )
    heartbeat_retention_days: int = Field(default=30, ge=1, le=3650)
    raw_heartbeats: bool = Field(
        default=False, description="also keep one heartbeats row per profile per heartbeat"
    )
    rollup_retention_days: int = Field(default=400, ge=1, le=36500)
    batch_size: int = Field(default=2000, ge=1, le=100_000, description="records per transaction")
    batch_linger_s: float = Field(
        default=0.5, gt=0, le=60, description="longest wait to fill a batch before writing it"
    )
    consumer_group: str | None = Field(
        default=None, description="Kafka consumer group; `<topic_prefix>sql-sink` when unset"
    )
    retry_backoff_max_s: float = Field(
        default=30.0, gt=0, le=600, description="longest wait between retries of a failed batch"
    )
    rejoin_timeout_s: float = Field(
        default=60.0,
        ge=5,
        le=3600,
        description="a rebalance unfinished after this long is given up: a new consumer joins",
    )
    prune_interval_s: float = Field(
        default=3600.0, gt=0, description="how often heartbeats past retention are deleted"
    )
    sqlite_busy_timeout_s: float = Field(
        default=5.0, ge=0, le=600, description="how long SQLite waits for a lock before failing"
    )
    sql_metrics_bind: str = Field(default="127.0.0.1", description="address /metrics listens on")
    sql_metrics_port: int = Field(default=9102, ge=0, le=65535, description="0 disables /metrics")

    @property
    def group_id(self) -> str:
        """The consumer group: one per hub (topic prefix), shared by the sink's replicas."""
        return self.consumer_group or f"{self.topic_prefix}sql-sink"

    def url(self) -> str:
        """The database URL: the file wins over the variable, as Kubernetes secrets expect."""
        return secret_text(self.database_url, self.database_url_file) or ""
