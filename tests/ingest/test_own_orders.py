"""The orders an ingress's own heartbeats leave, folded over the published ones until the
replica shows those heartbeats folded."""

from datetime import UTC, datetime

from ingest.own_orders import OwnOrders
from schemas.commands import CommandRecord, CustomerCommands
from schemas.enums import ProfileType, ServerStatus
from schemas.events import CommandState
from schemas.relay import ProfileHeartbeatData

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
STARTED = ServerStatus.Started
BEAT = [ProfileHeartbeatData(ProfileId=7, ProfileType=ProfileType.Inbound, ServerStatus=STARTED)]


def record(cid: str) -> CommandRecord:
    return CommandRecord.model_validate(
        {"id": cid, "command": "reload-configuration", "profile_type": 1, "profile_id": 7,
         "ttl_s": 3600, "max_deliveries": 3, "state": "queued",
         "created_at": "2026-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z",
         "history": []}
    )  # fmt: skip


def published(*ids: str, beat: int = -1, order: int = 4) -> CustomerCommands:
    """Orders as the replica shows them: these commands queued on inbound profile 7."""
    return CustomerCommands(
        queues={"inbound/7": list(ids)},
        commands={i: record(i) for i in ids},
        heartbeat_offset=beat,
        order_offset=order,
    )


def state_of(orders: CustomerCommands | None, cid: str) -> tuple[str, int]:
    assert orders is not None
    rec = orders.commands[cid]
    return rec.state.value, rec.deliveries


def test_its_own_delivery_shows_until_the_replica_folded_that_heartbeat() -> None:
    own = OwnOrders()
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    assert state_of(own.current("c1", published("cmd-1", beat=9)), "cmd-1") == ("delivered", 1)
    folded = published("cmd-1", beat=10)
    assert own.current("c1", folded) is folded
    older = published("cmd-1", beat=9)
    assert own.current("c1", older) is older  # forgotten once folded


def test_the_next_heartbeat_acknowledges_what_the_first_delivered() -> None:
    own = OwnOrders()
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    own.note("c1", 20, BEAT, AT, [])
    orders = own.current("c1", published("cmd-1", "cmd-2"))
    assert state_of(orders, "cmd-1") == ("acknowledged", 1)
    assert orders is not None
    assert orders.queues["inbound/7"] == ["cmd-2"]


def test_a_newer_order_in_the_replica_is_shown_with_its_own_heartbeat_s_effects() -> None:
    own = OwnOrders()
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    newer = published("cmd-1", "cmd-2", beat=9, order=5)
    orders = own.current("c1", newer)
    assert state_of(orders, "cmd-1") == ("delivered", 1)
    assert state_of(orders, "cmd-2") == ("queued", 0)


def test_a_heartbeat_not_yet_folded_stays_while_an_earlier_one_is() -> None:
    own = OwnOrders()
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    own.note("c1", 20, BEAT, AT, [])
    first = published("cmd-1", beat=10)  # the worker folded the first heartbeat only
    delivered = first.commands["cmd-1"].model_copy(
        update={"state": CommandState.delivered, "deliveries": 1}
    )
    first = first.model_copy(update={"commands": {"cmd-1": delivered}})
    assert state_of(own.current("c1", first), "cmd-1") == ("acknowledged", 1)


def test_kept_heartbeats_expire() -> None:
    own = OwnOrders(ttl_s=0.0)
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    shown = published("cmd-1", beat=9)
    assert own.current("c1", shown) is shown


def test_other_clients_see_the_published_orders() -> None:
    own = OwnOrders()
    own.note("c1", 10, BEAT, AT, ["cmd-1"])
    assert own.current("c2", None) is None
    assert own.current("c2", published("cmd-9")) == published("cmd-9")
