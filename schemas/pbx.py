"""PBXes of the PBX API: admin bodies, the workers' table values, and the admin view.

Tables (all changelog-backed, in the partition of the key named):
- `pbxes`, "{clientId}/{pbxId}" (the customer's partition): the PBX, its API users'
  names, its sessions with their delivery queues, and the next event number.
- `pbx-tokens`, SHA-256 of a token (same partition: tokens are drawn to land there):
  which session it opens.
- `pbx-events`, "{clientId}/{pbxId}/{seq}": an event report waiting for sessions.
- `pbx-users`, username (its own partition): the PBX it belongs to and its hash.
- `pbx-lockouts`, source address (its own partition): failed logins in a row.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from schemas.pbx_requests import Callback, url_of

PBX_ID = r"^[A-Za-z0-9._-]{1,64}$"
USERNAME = r"^[A-Za-z0-9._@-]{1,64}$"
TOKEN_LIFE_S = 30 * 60


class PbxConfig(BaseModel):
    """Body of `PUT /admin/customers/{clientId}/pbxes/{pbxId}`."""

    model_config = ConfigDict(extra="forbid")

    Name: str = Field(min_length=1, max_length=200)
    SerialNumber: str = Field(default="", max_length=64)
    AlertEmailList: list[str] = Field(default_factory=list, max_length=50)


class ApiUserBody(BaseModel):
    """Body of `PUT .../api-users/{username}`: the API password in clear (never stored)."""

    model_config = ConfigDict(extra="forbid")

    Password: str = Field(min_length=1, max_length=256)


class SessionState(StrEnum):
    """A PBX API session's state."""

    alive = "alive"
    expired = "expired"
    logged_out = "logged-out"


class EndReason(StrEnum):
    """Why a session ended."""

    expired = "expired"
    logged_out = "logged-out"
    user_removed = "user-removed"
    pbx_deleted = "pbx-deleted"


class Session(BaseModel):
    """One login's session, its callback and the events waiting for it."""

    session_id: str
    user: str
    token_hash: str
    callback: Callback
    created: datetime
    last_seen: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    queue: list[int] = Field(default_factory=list, description="event numbers, oldest first")
    failures: int = Field(default=0, description="failed attempts at the queue's head")
    next_attempt_at: datetime | None = None
    last_error: str | None = None
    delivered: int = 0
    dropped: int = 0
    token_until: datetime | None = Field(
        default=None, description="the expiry last published to the live-tokens topic"
    )
    seen_until: datetime | None = Field(
        default=None, description="the last heartbeat's time last published to pbx-changes"
    )

    def state(self, now: datetime) -> SessionState:
        """Alive while less than 30 minutes passed since the last heartbeat, judged at `now`."""
        if self.end_reason is None:
            return SessionState.alive if now < self.expires_at else SessionState.expired
        if self.end_reason is EndReason.expired:
            return SessionState.expired
        return SessionState.logged_out

    def url(self) -> str:
        """Where its events go."""
        return url_of(self.callback)


class PbxRecord(BaseModel):
    """A PBX in the `pbxes` table."""

    config: PbxConfig
    nonce: str
    created: datetime
    users: list[str] = Field(default_factory=list)
    sessions: dict[str, Session] = Field(default_factory=dict)
    next_seq: int = 1
    applied_offset: int = Field(
        default=-1, description="offset of the last `pbx` record folded in: a replay skips it"
    )


class StoredEvent(BaseModel):
    """An event report in the `pbx-events` table, until every session it is queued for has it."""

    version: str
    name: str
    body: str
    received_at: datetime
    waiting: int


class UserRecord(BaseModel):
    """An API user in the `pbx-users` directory."""

    client_id: str
    pbx_id: str
    password_hash: str


LOCK_AFTER = 5
"""Failed logins in a row from one address that lock it."""
LOCK_FOR = timedelta(minutes=10)
"""How long a lock lasts; failures in a row older than this are forgotten."""


class Lockout(BaseModel):
    """Failed logins in a row from one source address."""

    failures: int = 0
    locked_until: datetime | None = None
    last_failure: datetime | None = None
    applied_offset: int = -1


class SessionView(BaseModel):
    """A session in the PBX view (its id, never its token)."""

    Id: str
    User: str
    CallbackUrl: str
    Version: str
    Created: datetime
    LastSeen: datetime
    ExpiresAt: datetime
    State: SessionState
    PendingEvents: int
    FailedAttempts: int
    LastError: str | None


class PbxView(BaseModel):
    """`GET /admin/customers/{clientId}/pbxes/{pbxId}`."""

    ClientId: str
    PbxId: str
    Name: str
    SerialNumber: str
    AlertEmailList: list[str]
    EventUrl: str
    ApiUsers: list[str]
    Sessions: list[SessionView]


def session_view(s: Session, now: datetime) -> SessionView:
    """How the admin API shows a session."""
    # Copies what `processors.pbx.sessions.snapshot` copies into the pbx-changes record, on
    # purpose: the admin API's view and the topic's record are two wire formats.
    return SessionView(
        Id=s.session_id,
        User=s.user,
        CallbackUrl=s.url(),
        Version=s.callback.version or "1.0.0",
        Created=s.created,
        LastSeen=s.last_seen,
        ExpiresAt=s.expires_at,
        State=s.state(now),
        PendingEvents=len(s.queue),
        FailedAttempts=s.failures,
        LastError=s.last_error,
    )


def event_path(client_id: str, pbx_id: str, secret: str) -> str:
    """The path a PBX posts its event reports to."""
    return f"/api/pbx/{client_id}/{pbx_id}/events/{secret}"
