"""The life of commands and desired states, as pure functions."""

from datetime import UTC, datetime, timedelta

from processors.relay.commands import (
    apply_order,
    expire_due,
    fold_heartbeat,
    heads,
    on_heartbeat,
    prune_finished,
    record_deliveries,
)
from schemas.commands import (
    CommandCancelled,
    CommandQueued,
    CustomerCommands,
    DesiredStateSet,
)
from schemas.enums import ClientAction, ProfileType
from schemas.events import CommandName, CommandState
from schemas.relay import ProfileHeartbeatData

T0 = datetime(2026, 1, 1, tzinfo=UTC)
C = "acme"


def at(seconds: float) -> datetime:
    """T0 plus some seconds."""
    return T0 + timedelta(seconds=seconds)


def queued(
    cid: str, command: CommandName = "restart", ttl: int = 60, max_d: int = 2
) -> CommandQueued:
    """An order queueing a command on inbound profile 7."""
    return CommandQueued(
        client_id=C, profile_type=ProfileType.Inbound, profile_id=7, at=T0,
        command_id=cid, command=command, ttl_s=ttl, max_deliveries=max_d,
    )  # fmt: skip


def beat(status: int = 1) -> list[ProfileHeartbeatData]:
    """A heartbeat entry for inbound profile 7."""
    return [
        ProfileHeartbeatData.model_validate(
            {"ProfileId": 7, "ProfileType": 1, "ServerStatus": status}
        )
    ]


def deliver(cc: CustomerCommands, when: float, status: int = 1) -> CustomerCommands:
    """A heartbeat at `when` whose answer carried the head, as the agent applies it."""
    cc = on_heartbeat(cc, C, beat(status), at(when))
    return record_deliveries(cc, C, [r.id for r in heads(cc).values()], at(when))


def test_a_folded_heartbeat_acknowledges_the_head_then_counts_what_its_answer_carried() -> None:
    cc = apply_order(CustomerCommands(), C, queued("a"))
    cc = apply_order(cc, C, queued("b", "upload-logs"))
    cc = deliver(cc, 1)
    # The next heartbeat acknowledges "a"; its answer carried "b", now the head.
    cc = fold_heartbeat(cc, C, beat(), ["b"], at(2))
    assert cc.commands["a"].state is CommandState.acknowledged
    assert (cc.commands["b"].state, cc.commands["b"].deliveries) == (CommandState.delivered, 1)


def states(cc: CustomerCommands, cid: str) -> list[str]:
    """The states a command went through."""
    return [h.state.value for h in cc.commands[cid].history]


def test_restart_is_acknowledged_by_the_next_heartbeat_after_delivery() -> None:
    cc = apply_order(CustomerCommands(), C, queued("a"))
    cc = deliver(cc, 1)
    assert cc.commands["a"].state is CommandState.delivered
    cc = deliver(cc, 2)
    assert states(cc, "a") == ["queued", "delivered", "acknowledged"]
    assert heads(cc) == {}
    assert [e.seq for e in cc.outbox] == [0, 1, 2]


def test_queue_is_first_in_first_out_and_the_next_moves_up() -> None:
    cc = apply_order(CustomerCommands(), C, queued("a"))
    cc = apply_order(cc, C, queued("b", "upload-logs"))
    assert heads(cc)["inbound/7"].id == "a"
    cc = deliver(cc, 1)
    cc = deliver(cc, 2)
    assert cc.commands["a"].state is CommandState.acknowledged
    assert cc.commands["b"].state is CommandState.delivered


def test_start_waits_for_started_and_fails_after_max_deliveries() -> None:
    cc = apply_order(CustomerCommands(), C, queued("s", "start", max_d=2))
    cc = deliver(cc, 1, status=2)
    cc = deliver(cc, 2, status=2)
    assert cc.commands["s"].deliveries == 2
    cc = deliver(cc, 3, status=2)
    assert states(cc, "s") == ["queued", "delivered", "delivered", "failed"]


def test_start_is_acknowledged_when_the_status_matches() -> None:
    cc = deliver(apply_order(CustomerCommands(), C, queued("s", "start")), 1, status=2)
    cc = deliver(cc, 2, status=1)
    assert cc.commands["s"].state is CommandState.acknowledged


def test_ttl_passing_expires_queued_and_delivered_commands_at_their_deadline() -> None:
    cc = apply_order(CustomerCommands(), C, queued("a", ttl=60))
    cc = apply_order(cc, C, queued("b", ttl=30))
    cc = deliver(cc, 1)
    expire_due(cc, C, at(61))
    assert cc.commands["a"].state is CommandState.expired
    assert cc.commands["a"].history[-1].at == at(60)
    assert cc.commands["b"].state is CommandState.expired
    assert heads(cc) == {}


def test_expiry_comes_before_an_acknowledgement_that_arrives_too_late() -> None:
    cc = deliver(apply_order(CustomerCommands(), C, queued("a", ttl=60)), 1)
    cc = on_heartbeat(cc, C, beat(), at(100))
    assert cc.commands["a"].state is CommandState.expired


def test_cancel_before_acknowledgement_only() -> None:
    cancel = CommandCancelled(
        client_id=C, profile_type=ProfileType.Inbound, profile_id=7, at=at(5), command_id="a"
    )
    cc = apply_order(CustomerCommands(), C, queued("a"))
    cc = apply_order(cc, C, cancel)
    assert cc.commands["a"].state is CommandState.cancelled
    done = deliver(deliver(apply_order(CustomerCommands(), C, queued("a")), 1), 2)
    assert apply_order(done, C, cancel).commands["a"].state is CommandState.acknowledged


def test_a_command_queued_after_the_answer_is_not_counted_as_delivered() -> None:
    cc = apply_order(CustomerCommands(), C, queued("a"))
    carried = [r.id for r in heads(cc).values()]
    cc = apply_order(cc, C, queued("b"))
    cc = record_deliveries(cc, C, carried, at(1))
    assert cc.commands["b"].deliveries == 0


def test_the_same_order_read_twice_queues_once() -> None:
    cc = apply_order(apply_order(CustomerCommands(), C, queued("a")), C, queued("a"))
    assert cc.queues["inbound/7"] == ["a"]


def test_desired_state_is_pending_until_the_status_matches() -> None:
    order = DesiredStateSet(
        client_id=C, profile_type=ProfileType.Inbound, profile_id=7, at=T0, action=ClientAction.STOP
    )
    cc = apply_order(CustomerCommands(), C, order)
    cc = on_heartbeat(cc, C, beat(status=1), at(1))
    assert cc.desired["inbound/7"].pending is ClientAction.STOP
    cc = on_heartbeat(cc, C, beat(status=2), at(2))
    assert cc.desired["inbound/7"].pending is ClientAction.NONE
    assert cc.desired["inbound/7"].reached_at == at(2)


def test_finished_commands_are_forgotten_after_retention() -> None:
    cc = deliver(deliver(apply_order(CustomerCommands(), C, queued("a")), 1), 2)
    assert "a" in prune_finished(cc, at(2)).commands
    assert "a" not in prune_finished(cc, at(3)).commands
