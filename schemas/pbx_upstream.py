"""The hub as application server of a customer's real PBX: the upstream connection.

An operator connects a PBX (`PUT .../pbxes/{pbxId}/upstream`); the worker owning the
PBX's partition logs in to it, heartbeats within the token's 30 minutes, and keeps
the connection's state in the `pbx-upstreams` table (key "{clientId}/{pbxId}").
"""

import hashlib
import hmac
import secrets
from datetime import datetime
from enum import StrEnum
from typing import Literal
from urllib.parse import urlsplit

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.pbx_secrets import md5_hex
from schemas.sealed import seal

MAX_INTERVAL_S = 25 * 60


class ByClient(BaseModel):
    """A record placed in its customer's partition (the `pbx` topic's `route`)."""

    client_id: str

    @property
    def route(self) -> str:
        """The partition key."""
        return self.client_id


class UpstreamBody(BaseModel):
    """Body of `PUT /admin/customers/{clientId}/pbxes/{pbxId}/upstream`."""

    model_config = ConfigDict(extra="forbid")

    BaseUrl: str = Field(max_length=500)
    Username: str = Field(min_length=1, max_length=64)
    Password: str = Field(min_length=1, max_length=256)
    Version: Literal["1.0.0", "2.0.0"] = "2.0.0"
    HeartbeatIntervalSeconds: int = Field(default=600, ge=10, le=MAX_INTERVAL_S)
    VerifyTls: bool = True

    @field_validator("BaseUrl")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        return value.rstrip("/")


class UpstreamConfig(BaseModel):
    """The connection as configured; the password's MD5 is sealed (`schemas.sealed`)."""

    base_url: str
    username: str
    sealed_password: str
    version: str
    interval_s: int
    verify_tls: bool
    generation: str = Field(description="new on every PUT: a rejected login is tried again")
    login_digest: str | None = Field(
        default=None,
        description="`login_digest` of the settings; None (older records) counts as changed",
    )

    @classmethod
    def from_body(cls, key: bytes, body: "UpstreamBody") -> "UpstreamConfig":
        """What a PUT of `body` configures: password sealed, digest keyed, a new generation."""
        return cls(
            base_url=body.BaseUrl,
            username=body.Username,
            sealed_password=seal(key, md5_hex(body.Password)),
            version=body.Version,
            interval_s=body.HeartbeatIntervalSeconds,
            verify_tls=body.VerifyTls,
            generation=secrets.token_hex(8),
            login_digest=login_digest(key, body),
        )


def login_digest(key: bytes, body: UpstreamBody) -> str:
    """A keyed digest of every setting a login uses, the password included.

    Sealing is randomized, so two sealings of one password differ; an HMAC under the
    hub's key compares them without keeping anything a dictionary of MD5s could open.
    """
    fields = ["upstream-login-v1", body.BaseUrl, body.Username, md5_hex(body.Password)]
    msg = orjson.dumps([*fields, body.Version, body.VerifyTls])
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def same_login(old: UpstreamConfig, new: UpstreamConfig) -> bool:
    """Whether logging in with `new` would repeat the login made with `old`."""
    if old.login_digest is None or new.login_digest is None:
        return False
    return hmac.compare_digest(old.login_digest, new.login_digest)


class ConnectionState(StrEnum):
    """The health of an upstream connection."""

    connecting = "connecting"
    connected = "connected"
    degraded = "degraded"
    down = "down"
    credentials_rejected = "credentials-rejected"
    locked = "locked"
    disconnecting = "disconnecting"


class ReplacedSession(BaseModel):
    """A session logged in with settings since changed: to log out, where it was made."""

    base_url: str
    verify_tls: bool
    sealed_token: str


class Upstream(BaseModel):
    """A PBX's upstream connection in the `pbx-upstreams` table."""

    config: UpstreamConfig
    removed: bool = Field(default=False, description="disconnected: log out, then forget")
    state: ConnectionState = ConnectionState.connecting
    since: datetime
    reason: str = "not logged in yet"
    sealed_token: str | None = None
    token_expires_at: datetime | None = None
    last_login_at: datetime | None = None
    last_heartbeat_at: datetime | None = None
    last_success_at: datetime | None = None
    failures: int = 0
    next_attempt_at: datetime | None = None
    locked_until: datetime | None = None
    applied_offset: int = -1
    replaced: list[ReplacedSession] = Field(
        default_factory=list,
        description="logged out (best effort) once the login with the new settings has ended",
    )


class Action(StrEnum):
    """What the connector did."""

    login = "login"
    heartbeat = "heartbeat"
    logout = "logout"
    logout_replaced = "logout-replaced"


class UpstreamSet(ByClient):
    """An operator connected a PBX, or changed its connection."""

    kind: Literal["upstream"] = "upstream"
    client_id: str
    pbx_id: str
    config: UpstreamConfig
    at: datetime


class UpstreamRemoved(ByClient):
    """An operator disconnected a PBX: the connector logs out, then forgets it."""

    kind: Literal["upstream-removed"] = "upstream-removed"
    client_id: str
    pbx_id: str
    at: datetime


class UpstreamResult(ByClient):
    """How one call of the connector to the PBX ended."""

    kind: Literal["upstream-result"] = "upstream-result"
    client_id: str
    pbx_id: str
    generation: str
    action: Action
    ok: bool
    errno: str | None = None
    status: int | None = None
    error: str | None = None
    sealed_token: str | None = Field(
        default=None, description="a login's new token; a logout-replaced's logged-out token"
    )
    at: datetime


class UpstreamView(BaseModel):
    """`GET .../upstream`: the connection, never its password or token."""

    BaseUrl: str
    Username: str
    Version: str
    HeartbeatIntervalSeconds: int
    VerifyTls: bool
    State: ConnectionState
    Since: datetime
    Reason: str
    TokenExpiresAt: datetime | None
    LastLoginAt: datetime | None
    LastHeartbeatAt: datetime | None
    LastSuccessAt: datetime | None
    Failures: int
    NextAttemptAt: datetime | None
    LockedUntil: datetime | None


def upstream_view(up: Upstream) -> UpstreamView | None:
    """The admin view; None once disconnected."""
    cfg = up.config
    if up.removed:
        return None
    return UpstreamView(
        BaseUrl=cfg.base_url,
        Username=cfg.username,
        Version=cfg.version,
        HeartbeatIntervalSeconds=cfg.interval_s,
        VerifyTls=cfg.verify_tls,
        State=up.state,
        Since=up.since,
        Reason=up.reason,
        TokenExpiresAt=up.token_expires_at,
        LastLoginAt=up.last_login_at,
        LastHeartbeatAt=up.last_heartbeat_at,
        LastSuccessAt=up.last_success_at,
        Failures=up.failures,
        NextAttemptAt=up.next_attempt_at,
        LockedUntil=up.locked_until,
    )
