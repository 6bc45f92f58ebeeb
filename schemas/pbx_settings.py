"""PBX API settings that the ingress and the workers share."""

import functools
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from schemas.pbx_callback import DEFAULT_DENIED, Network, networks
from schemas.settings import secret_text


class PbxSharedSettings(BaseSettings):
    """The hub's secret key and the networks no callback may point into."""

    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    secret_key: SecretStr | None = Field(
        default=None, description="key of the PBX event URLs' secrets (32+ characters)"
    )
    secret_key_file: Path | None = Field(default=None, description="file holding the key")
    pbx_deny_networks: str = Field(
        default=",".join(DEFAULT_DENIED),
        description="comma-separated networks a session's callback may not point into",
    )

    def key(self) -> bytes:
        """The secret key; the file wins over the variable. Raises ValueError when unset."""
        text = (secret_text(self.secret_key, self.secret_key_file) or "").strip()
        if len(text) < 32:
            raise ValueError("HUB_SECRET_KEY (or HUB_SECRET_KEY_FILE) must hold 32+ characters")
        return text.encode()

    def denied(self) -> tuple[Network, ...]:
        """The denied networks, parsed (once per distinct setting: every PBX heartbeat and
        login checks its callback against them)."""
        return _parsed(self.pbx_deny_networks)


@functools.lru_cache(maxsize=16)
def _parsed(text: str) -> tuple[Network, ...]:
    return networks(text.split(","))
