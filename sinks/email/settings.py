"""Settings of the e-mail sink (`python -m sinks.email`)."""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from schemas.events import Health
from schemas.pbx_settings import PbxSharedSettings
from schemas.pbx_upstream import ConnectionState
from schemas.settings import KafkaSettings, secret_text
from sinks.email.policy import AlertRules

DEFAULT_ALERT_HEALTHS = frozenset({Health.down, Health.error, Health.late, Health.quiet})
DEFAULT_ALERT_CONNECTION_STATES = frozenset(
    {ConnectionState.down, ConnectionState.credentials_rejected, ConnectionState.locked}
)


class EmailSinkSettings(KafkaSettings, PbxSharedSettings):
    """What alerts, how flapping is recognized, the SMTP server that takes the mail, and
    how alerts reach the customers' channels (the key that unseals their secrets and the
    denied networks are the hub's, `HUB_SECRET_KEY` and `HUB_PBX_DENY_NETWORKS`)."""

    alert_healths: Annotated[frozenset[Health], NoDecode] = Field(
        default=DEFAULT_ALERT_HEALTHS,
        description="comma-separated healths: a change into or out of one of them is mailed",
    )
    alert_connection_states: Annotated[frozenset[ConnectionState], NoDecode] = Field(
        default=DEFAULT_ALERT_CONNECTION_STATES,
        description="comma-separated PBX connection states: a change into or out of one is mailed",
    )
    flap_max_transitions: int = Field(default=5, ge=1, le=1000)
    flap_window_s: float = Field(default=600.0, gt=0, le=7 * 24 * 3600)

    smtp_host: str = Field(default="localhost")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_starttls: bool = Field(default=False)
    smtp_username: str | None = Field(default=None, description="log in when set")
    smtp_password: SecretStr | None = Field(default=None)
    smtp_password_file: Path | None = Field(default=None, description="wins over the variable")
    smtp_from: str = Field(default="heartbeat-hub@localhost")
    smtp_timeout_s: float = Field(default=30.0, gt=0, le=600)
    smtp_retry_initial_s: float = Field(default=1.0, gt=0, le=600)
    smtp_retry_max_s: float = Field(default=60.0, gt=0, le=3600)

    channel_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="a channel answering later is a failed attempt"
    )
    channel_retry_max_s: float = Field(
        default=600.0, gt=0, le=24 * 3600, description="longest wait between two attempts"
    )
    email_web_bind: str = Field(default="127.0.0.1")
    email_web_port: int = Field(default=6067, ge=0, le=65535, description="0 disables it")
    email_data_dir: str = Field(default=".cache/email-sink", description="faust's data folder")

    @field_validator("alert_healths", "alert_connection_states", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def app_id(self) -> str:
        """The consumer group and the prefix of the sink's changelog topic."""
        return f"{self.topic_prefix}email-sink"

    def rules(self) -> AlertRules:
        """The alerting rules these settings describe."""
        return AlertRules(
            alert_healths=self.alert_healths,
            alert_connection_states=self.alert_connection_states,
            flap_max_transitions=self.flap_max_transitions,
            flap_window=timedelta(seconds=self.flap_window_s),
        )

    def password(self) -> str | None:
        """The SMTP password: the file wins over the variable, as Kubernetes secrets expect."""
        return secret_text(self.smtp_password, self.smtp_password_file)


@lru_cache(maxsize=1)
def get_settings() -> EmailSinkSettings:
    """The sink's settings, read once from the environment."""
    return EmailSinkSettings()


def key_or_none(settings: EmailSinkSettings) -> bytes | None:
    """The key that unseals the channels' secrets; None when the hub has none (a channel
    with a secret then fails its attempts, naming the missing key, until one is set)."""
    try:
        return settings.key()
    except ValueError:
        return None
