"""Records of the PBX API on Kafka.

Input, topic `pbx` (`TopicNames.pbx`): every record is placed by its `route` (the
clientId for a PBX's own records, the username for the user directory, the source
address for lockouts), so the worker owning that partition folds it.

Output: `pbx-changes` (PBXes and sessions as they change, for the SQL sink) and
`pbx-deliveries` (every delivery attempt; the owning worker folds it too, which is
how a delivered event leaves its session's queue).
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from schemas.pbx import EndReason, PbxConfig, SessionState
from schemas.pbx_events import classify
from schemas.pbx_requests import Callback
from schemas.pbx_upstream import ByClient, UpstreamRemoved, UpstreamResult, UpstreamSet


class PbxUpserted(ByClient):
    """A PBX was created or changed; `nonce` is used only when it is created."""

    kind: Literal["pbx"] = "pbx"
    client_id: str
    pbx_id: str
    config: PbxConfig
    nonce: str
    at: datetime


class PbxDeleted(ByClient):
    """A PBX was removed; its sessions end."""

    kind: Literal["pbx-deleted"] = "pbx-deleted"
    client_id: str
    pbx_id: str
    at: datetime


class PbxUserSet(ByClient):
    """An API user was added to a PBX's list (`present`) or removed from it (its sessions end)."""

    kind: Literal["pbx-user"] = "pbx-user"
    client_id: str
    pbx_id: str
    username: str
    present: bool
    at: datetime


class ByUsername(BaseModel):
    """A record of the user directory, placed by its username. Each kind declares `kind`
    again as its literal; pydantic keeps a field declared again in its place."""

    kind: str
    username: str
    client_id: str
    pbx_id: str

    @property
    def route(self) -> str:
        """The partition key."""
        return self.username


class UserClaimed(ByUsername):
    """A username is claimed for a PBX with this hash; the first PBX to claim it keeps it."""

    kind: Literal["user-claimed"] = "user-claimed"
    password_hash: str
    at: datetime


class UserReleased(ByUsername):
    """A username is given up by the PBX holding it."""

    kind: Literal["user-released"] = "user-released"
    at: datetime


class LoginAttempt(BaseModel):
    """A login from `address` failed (counted) or succeeded (the count starts over)."""

    kind: Literal["login"] = "login"
    address: str
    ok: bool
    at: datetime

    @property
    def route(self) -> str:
        """The partition key."""
        return self.address


class SessionOpened(ByClient):
    """A login succeeded: a session with this token's hash."""

    kind: Literal["session-opened"] = "session-opened"
    client_id: str
    pbx_id: str
    session_id: str
    user: str
    token_hash: str
    callback: Callback
    at: datetime


class SessionRenewed(ByClient):
    """A heartbeat: 30 more minutes from `at`, and the callback as it now is."""

    kind: Literal["session-renewed"] = "session-renewed"
    client_id: str
    pbx_id: str
    session_id: str
    callback: Callback
    at: datetime


class SessionLoggedOut(ByClient):
    """A logout: the token is gone."""

    kind: Literal["session-logged-out"] = "session-logged-out"
    client_id: str
    pbx_id: str
    session_id: str
    at: datetime


class EventReceived(ByClient):
    """An event report a PBX posted, as it came (`body` is its JSON text)."""

    kind: Literal["event"] = "event"
    client_id: str
    pbx_id: str
    version: str
    name: str
    body: str
    at: datetime

    @classmethod
    def of(cls, client_id: str, pbx_id: str, body: bytes, at: datetime) -> "EventReceived":
        """The record of a report as posted; raises NotAnEvent for a body that is not one."""
        version, name = classify(body)
        return cls(
            client_id=client_id, pbx_id=pbx_id, version=version, name=name,
            body=body.decode(), at=at,
        )  # fmt: skip


PbxRecordIn = Annotated[
    PbxUpserted
    | PbxDeleted
    | PbxUserSet
    | UserClaimed
    | UserReleased
    | LoginAttempt
    | SessionOpened
    | SessionRenewed
    | SessionLoggedOut
    | EventReceived
    | UpstreamSet
    | UpstreamRemoved
    | UpstreamResult,
    Field(discriminator="kind"),
]
PBX_RECORD = TypeAdapter(PbxRecordIn)
_PBX_RECORDS = TypeAdapter(list[PbxRecordIn])


def decode_pbx(raw: bytes) -> list[PbxRecordIn]:
    """What a record of the `pbx` topic holds: one record, or several of one partition in a
    JSON array (the session renewals an ingress gathered, `ingest.heartbeat_batches`);
    raises pydantic's ValidationError if unreadable."""
    if raw.lstrip()[:1] == b"[":
        return _PBX_RECORDS.validate_json(raw)
    return [PBX_RECORD.validate_json(raw)]


class Outcome(StrEnum):
    """How a delivery attempt ended."""

    delivered = "delivered"
    failed = "failed"
    denied = "denied"


class DeliveryAttempt(BaseModel):
    """One POST of an event to a session's callback, on `pbx-deliveries`."""

    id: str = Field(description="{sessionId}:{seq}:{attempt}")
    client_id: str
    pbx_id: str
    session_id: str
    seq: int
    event: str
    version: str
    url: str
    attempt: int
    outcome: Outcome
    status: int | None = None
    error: str | None = None
    received_at: datetime = Field(description="when the hub received the event")
    at: datetime = Field(description="when the attempt ended")
    latency_s: float


_ATTEMPTS = TypeAdapter(list[DeliveryAttempt])


def encode_attempts(attempts: Sequence[DeliveryAttempt]) -> bytes:
    """One `pbx-deliveries` record holding a burst's attempts, in order (a JSON array):
    one record, one produce and one fold per burst instead of per delivery."""
    return _ATTEMPTS.dump_json(list(attempts))


def decode_attempts(raw: bytes) -> list[DeliveryAttempt]:
    """The attempts a `pbx-deliveries` record holds: an array, or one object as earlier
    versions wrote; raises pydantic's ValidationError if unreadable."""
    if raw.lstrip()[:1] == b"[":
        return _ATTEMPTS.validate_json(raw)
    return [DeliveryAttempt.model_validate_json(raw)]


class SessionSnapshot(BaseModel):
    """A session as `pbx-changes` carries it."""

    session_id: str
    user: str
    callback_url: str
    version: str
    created: datetime
    last_seen: datetime
    expires_at: datetime
    state: SessionState
    end_reason: EndReason | None = None
    ended_at: datetime | None = None


class ChangeKind(StrEnum):
    """What a `pbx-changes` record says."""

    pbx_upserted = "pbx-upserted"
    pbx_deleted = "pbx-deleted"
    session_opened = "session-opened"
    session_renewed = "session-renewed"
    session_ended = "session-ended"


class PbxChange(BaseModel):
    """A PBX or one of its sessions changed; `id` is the same if a replay repeats it."""

    id: str
    kind: ChangeKind
    client_id: str
    pbx_id: str
    at: datetime
    pbx: PbxConfig | None = None
    session: SessionSnapshot | None = None
