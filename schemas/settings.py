"""Settings shared by every deployable that talks to Kafka."""

from pathlib import Path

from pydantic import Field, SecretStr
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


class ClockSettings(BaseSettings):
    """The clock's shift, of the deployables whose clock the tests and demos move."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    clock_offset_file: str | None = Field(
        default=None, description="tests and demos only: seconds to shift the clock by"
    )


def secret_text(value: SecretStr | None, file: Path | None) -> str | None:
    """A secret setting's text: the file wins over the variable, as Kubernetes secrets
    expect; None when neither holds any."""
    if file is not None:
        return file.read_text().strip() or None
    return value.get_secret_value() if value else None
