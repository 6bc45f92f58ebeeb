"""Messages of every kind the SQL sink reads, for unit and integration tests."""

from datetime import UTC, datetime, timedelta

from schemas.alert_delivery import AttemptOutcome, ChannelAttempt
from schemas.customer_deletion import CustomerDeleted
from schemas.enums import ProfileType, ServerStatus
from schemas.events import (
    ClientHealthEvent,
    ClientProfile,
    CommandEvent,
    CommandName,
    CommandState,
    Health,
    HealthEvent,
    PbxConnectionEvent,
)
from schemas.pbx import TOKEN_LIFE_S, EndReason, PbxConfig, SessionState
from schemas.pbx_topics import ChangeKind, DeliveryAttempt, Outcome, PbxChange, SessionSnapshot
from schemas.pbx_upstream import ConnectionState
from schemas.profiles import CustomerConfig, InboundConfig, OutboundConfig
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData
from schemas.topics import CustomerUpserted, HeartbeatMessage, ProfileDeleted, ProfileUpserted

T0 = datetime(2026, 11, 20, 23, 59, 30, tzinfo=UTC)
OPENED, RENEWED, ENDED = (
    ChangeKind.session_opened,
    ChangeKind.session_renewed,
    ChangeKind.session_ended,
)


def at(seconds: float) -> datetime:
    """T0 plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def customer(client_id: str = "acme", name: str = "Acme", relay_id: int = 2) -> CustomerUpserted:
    """A customer upsert."""
    return CustomerUpserted(
        client_id=client_id, customer=CustomerConfig(RelayCustomerID=relay_id, Name=name)
    )


def inbound(client_id: str = "acme", pid: int = 1, name: str = "lab results") -> ProfileUpserted:
    """An inbound profile upsert."""
    wire = InboundProfileBase(
        RelayInboundProfileID=pid, RelayCustomerID=2, ProfileName=name, Active=True,
        ReceiveTCP=True, ReceivePort=2575, AlertEmailList="ops@example.com",
    )  # fmt: skip
    return ProfileUpserted(client_id=client_id, profile=InboundConfig(wire=wire))


def outbound(client_id: str = "acme", pid: int = 1, name: str = "orders") -> ProfileUpserted:
    """An outbound profile upsert."""
    wire = OutboundProfileBase(RelayOutboundProfileID=pid, ProfileName=name, Active=False)
    return ProfileUpserted(client_id=client_id, profile=OutboundConfig(wire=wire))


def deleted(client_id: str = "acme", pid: int = 1) -> ProfileDeleted:
    """An inbound profile deletion."""
    return ProfileDeleted(client_id=client_id, profile_type=ProfileType.Inbound, profile_id=pid)


def customer_deleted(seconds: float = 0, client_id: str = "acme") -> CustomerDeleted:
    """A customer's deletion, `seconds` after T0."""
    return CustomerDeleted(client_id=client_id, at=at(seconds))


def entry(
    pid: int = 1,
    status: ServerStatus = ServerStatus.Started,
    *,
    ptype: ProfileType = ProfileType.Inbound,
    tx: str | None = None,
    tx_at: datetime | None = None,
    error: str | None = None,
) -> ProfileHeartbeatData:
    """One profile's entry of a heartbeat."""
    return ProfileHeartbeatData(
        ProfileId=pid, ProfileType=ptype, ServerStatus=status, LastTransactionId=tx,
        LastTransactionDateTime=tx_at, LastError=error,
        LastErrorDateTime=None if error is None else tx_at,
    )  # fmt: skip


def heartbeat(
    seconds: float, *entries: ProfileHeartbeatData, client_id: str = "acme"
) -> HeartbeatMessage:
    """A heartbeat received at T0 + seconds (one started inbound profile 1 by default)."""
    return HeartbeatMessage(
        client_id=client_id, received_at=at(seconds), profiles=list(entries) or [entry()]
    )


def command(
    seq: int,
    state: CommandState,
    *,
    command_id: str = "cmd-1",
    client_id: str = "acme",
    seconds: float = 0,
    deliveries: int = 0,
    name: CommandName = "restart",
) -> CommandEvent:
    """A change of a command (restart unless named) of inbound profile 1."""
    return CommandEvent(
        client_id=client_id, profile_type=ProfileType.Inbound, profile_id=1,
        command_id=command_id, seq=seq, command=name, state=state, deliveries=deliveries,
        ttl_s=600, max_deliveries=3, created_at=T0, at=at(seconds),
    )  # fmt: skip


def health(
    seconds: float,
    to: Health,
    frm: Health | None = None,
    *,
    client_id: str = "acme",
    pid: int = 1,
) -> HealthEvent:
    """A health change of an inbound profile at T0 + seconds."""
    return HealthEvent(
        client_id=client_id, profile_type=ProfileType.Inbound, profile_id=pid,
        from_health=frm, to_health=to, reason=f"now {to}", at=at(seconds),
        profile_name="lab results",
    )  # fmt: skip


def connection(
    seconds: float,
    to: ConnectionState,
    frm: ConnectionState | None = ConnectionState.connected,
    *,
    client_id: str = "acme",
    pbx_id: str = "p1",
) -> PbxConnectionEvent:
    """A state change of a PBX's upstream connection at T0 + seconds."""
    return PbxConnectionEvent(
        client_id=client_id, pbx_id=pbx_id, pbx_name="Front desk",
        from_state=None if frm is None else frm.value, to_state=to.value, reason=f"now {to}",
        at=at(seconds), alert_email_list="ops@example.com",
    )  # fmt: skip


def pbx(
    seconds: float = 0, name: str = "Front desk", *, client_id: str = "acme", pbx_id: str = "p1"
) -> PbxChange:
    """A PBX created or changed at T0 + seconds."""
    return PbxChange(
        id=f"pbx:{client_id}/{pbx_id}:{seconds}", kind=ChangeKind.pbx_upserted,
        client_id=client_id, pbx_id=pbx_id, at=at(seconds),
        pbx=PbxConfig(Name=name, SerialNumber=f"SN-{pbx_id}"),
    )  # fmt: skip


def pbx_deleted(seconds: float, *, client_id: str = "acme", pbx_id: str = "p1") -> PbxChange:
    """A PBX removed at T0 + seconds."""
    return PbxChange(
        id=f"pbx:{client_id}/{pbx_id}:{seconds}:deleted", kind=ChangeKind.pbx_deleted,
        client_id=client_id, pbx_id=pbx_id, at=at(seconds),
    )  # fmt: skip


def session(
    kind: ChangeKind,
    seconds: float,
    *,
    session_id: str = "s1",
    client_id: str = "acme",
    pbx_id: str = "p1",
    opened: float = 0,
    ended: EndReason | None = None,
) -> PbxChange:
    """A session change at T0 + seconds: opened at T0 + opened, last seen now, or ended now."""
    last_seen = at(opened) if ended is not None else at(seconds)
    state = {None: SessionState.alive, EndReason.expired: SessionState.expired}
    snapshot = SessionSnapshot(
        session_id=session_id, user="api", callback_url="http://192.0.2.10:8080/events",
        version="2.0.0", created=at(opened), last_seen=last_seen,
        expires_at=last_seen + timedelta(seconds=TOKEN_LIFE_S),
        state=state.get(ended, SessionState.logged_out), end_reason=ended,
        ended_at=None if ended is None else at(seconds),
    )  # fmt: skip
    return PbxChange(
        id=f"{session_id}:{kind.value}:{seconds}", kind=kind, client_id=client_id,
        pbx_id=pbx_id, at=at(seconds), session=snapshot,
    )  # fmt: skip


def delivery(
    seq: int,
    attempt: int = 1,
    outcome: Outcome = Outcome.delivered,
    *,
    seconds: float = 0,
    latency_s: float = 0.05,
    session_id: str = "s1",
    client_id: str = "acme",
    pbx_id: str = "p1",
) -> DeliveryAttempt:
    """One attempt, ending at T0 + seconds, to deliver event `seq` to a session."""
    status = {Outcome.delivered: 200, Outcome.failed: 503}.get(outcome)
    return DeliveryAttempt(
        id=f"{session_id}:{seq}:{attempt}", client_id=client_id, pbx_id=pbx_id,
        session_id=session_id, seq=seq, event="NewCdr", version="2.0.0",
        url="http://192.0.2.10:8080/events", attempt=attempt, outcome=outcome, status=status,
        error=None if outcome is Outcome.delivered else f"{outcome} by the callback",
        received_at=at(seconds - latency_s - 1), at=at(seconds), latency_s=latency_s,
    )  # fmt: skip


def channel_attempt(
    attempt: int = 1,
    outcome: AttemptOutcome = AttemptOutcome.delivered,
    *,
    seconds: float = 0,
    client_id: str = "acme",
    channel: str = "ops",
) -> ChannelAttempt:
    """One attempt, ending at T0 + seconds, to send a down alert to a customer's channel."""
    alert_id = f"{client_id}/inbound/7/{at(0).isoformat()}/down"
    return ChannelAttempt(
        id=f"{alert_id}@{channel}#{attempt}", client_id=client_id, channel=channel,
        kind="webhook", alert_id=alert_id, event="down", attempt=attempt, outcome=outcome,
        status=200 if outcome is AttemptOutcome.delivered else 503, at=at(seconds),
        latency_s=0.0304,
    )  # fmt: skip


def client_health(
    seconds: float, to: Health, frm: Health | None = Health.up, *, client_id: str = "acme"
) -> ClientHealthEvent:
    """A relay client's health change at T0 + seconds, naming its two profiles."""
    named = [
        ClientProfile(profile_type=ProfileType.Inbound, profile_id=1, health=to, reason="r"),
        ClientProfile(profile_type=ProfileType.Outbound, profile_id=1, health=to, reason="r"),
    ]
    return ClientHealthEvent(
        client_id=client_id, from_health=frm, to_health=to, reason=f"now {to}", at=at(seconds),
        profiles=named,
    )  # fmt: skip
