"""Settings shared by every deployable that talks to Kafka."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.log_format import LogFormat


class KafkaSettings(BaseSettings):
    """Where the broker is and how the hub's topics are named and sized."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    kafka_bootstrap: str = Field(default="127.0.0.1:9092", description="host:port[,host:port]")
    topic_prefix: str = Field(default="hub.", description="prefix of every topic the hub owns")
    partitions: int = Field(default=8, ge=1, le=1024, description="partitions of every topic")
    replication_factor: int = Field(default=1, ge=1, le=16)
    log_format: LogFormat = Field(default="text", description="text, or json: one object per line")
    log_level: str = Field(
        default="info", description="the hub's loggers; libraries log warnings unless debug"
    )
