"""Messages of every kind the SQL sink reads, for unit and integration tests."""

from datetime import UTC, datetime, timedelta

from schemas.enums import ProfileType, ServerStatus
from schemas.events import CommandEvent, CommandName, CommandState, Health, HealthEvent
from schemas.profiles import CustomerConfig, InboundConfig, OutboundConfig
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData
from schemas.topics import CustomerUpserted, HeartbeatMessage, ProfileDeleted, ProfileUpserted

T0 = datetime(2026, 11, 20, 23, 59, 30, tzinfo=UTC)


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
