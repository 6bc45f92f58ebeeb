"""Settings of the HTTP ingress (`python -m ingest`)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr

from schemas.pbx_callback import Network, networks
from schemas.pbx_settings import PbxSharedSettings
from schemas.settings import ClockSettings, KafkaSettings, secret_text


class IngestSettings(KafkaSettings, PbxSharedSettings, ClockSettings):
    """The ingress: where it listens, where the responder is, how long it waits."""

    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8080, ge=1, le=65535)
    responder_url: str = Field(
        default="http://127.0.0.1:6066", description="any worker; it forwards to the owner"
    )
    admin_token: SecretStr | None = Field(default=None, description="bearer token of /admin")
    admin_token_file: Path | None = Field(default=None, description="file holding the token")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_import_bytes: int = Field(default=256 * 1_048_576, ge=1024, description="bulk import")
    pbx_events_at_ingress: bool = Field(
        default=True,
        description="take PBX event reports here by the event gates, not through their worker",
    )
    publish_timeout_s: float = Field(default=5.0, gt=0, le=60)
    responder_timeout_s: float = Field(default=5.0, gt=0, le=60)
    heartbeat_linger_ms: float = Field(
        default=2.0, ge=0, le=50, description="how long a batch of heartbeats gathers"
    )
    heartbeat_batch: int = Field(
        default=500, ge=1, le=10_000, description="most heartbeats published in one batch"
    )
    apply_wait_s: float = Field(default=5.0, ge=0, le=60)
    probe_interval_s: float = Field(
        default=2.0, gt=0, le=60, description="probe record after this long without a write"
    )
    ready_stale_s: float = Field(
        default=10.0, gt=0, le=600, description="unready when no write was acked for this long"
    )
    liveness_limit_s: float = Field(
        default=120.0, gt=0, le=3600, description="/healthz fails once unready this long"
    )

    max_in_flight: int = Field(
        default=256, ge=1, le=100_000, description="heartbeats and PBX calls in flight before 503"
    )
    shutdown_grace_s: float = Field(
        default=15.0, ge=0, le=3600, description="on SIGTERM, seconds requests may finish in"
    )
    max_loop_lag_s: float = Field(
        default=0.2, ge=0, le=60, description="event loop lateness before 503; 0 turns it off"
    )
    trusted_proxies: str = Field(
        default="", description="comma-separated networks whose X-Forwarded-For is believed"
    )

    def proxies(self) -> tuple[Network, ...]:
        """The trusted proxies' networks, parsed once (this is asked on every heartbeat)."""
        return _networks_of(self.trusted_proxies)

    def token(self) -> str | None:
        """The admin token: the file wins over the variable, as Kubernetes secrets expect."""
        return secret_text(self.admin_token, self.admin_token_file)


@lru_cache(maxsize=1)
def get_settings() -> IngestSettings:
    """The ingress settings, read once from the environment."""
    return IngestSettings()


@lru_cache(maxsize=8)
def _networks_of(text: str) -> tuple[Network, ...]:
    return networks(text.split(","))
