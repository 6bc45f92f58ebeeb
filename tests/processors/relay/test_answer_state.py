"""The answers topic's record: one serialization for the value and the change hash."""

from datetime import UTC, datetime

from processors.relay.answer_state import _encoded
from schemas.answer_state import AnswerState, open_orders
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import InboundProfileBase


def state(heard: datetime | None = None) -> AnswerState:
    wire = InboundProfileBase(RelayInboundProfileID=7, RelayCustomerID=3, ProfileName="lab")
    states = CustomerStates(inbound={7: ReportedState(LastHeartbeatDateTime=heard)})
    return AnswerState(profiles=CustomerProfiles(inbound={7: wire}), states=states)


def test_the_value_reads_back_as_the_state() -> None:
    original = state(datetime(2026, 1, 2, tzinfo=UTC))
    _, value = _encoded(original)
    assert AnswerState.model_validate_json(value) == original


def test_the_hash_ignores_the_reported_states_and_nothing_else() -> None:
    a, _ = _encoded(state(datetime(2026, 1, 2, tzinfo=UTC)))
    b, _ = _encoded(state(datetime(2026, 1, 3, tzinfo=UTC)))
    assert a == b
    changed = state().model_copy(update={"commands": CustomerCommands(order_offset=4)})
    assert _encoded(changed)[0] != a


def test_open_orders_keep_queued_commands_and_the_offsets_only() -> None:
    cc = CustomerCommands(queues={"inbound/7": []}, heartbeat_offset=9, order_offset=4)
    kept = open_orders(cc)
    assert kept.queues == {}
    assert (kept.heartbeat_offset, kept.order_offset) == (9, 4)
