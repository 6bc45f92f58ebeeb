"""The answers replica decodes a client's new value reusing what did not change."""

from datetime import UTC, datetime

import orjson

from ingest.answers import decode
from processors.relay.answer_state import _encoded
from schemas.answer_state import AnswerState
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import InboundProfileBase


def state(day: int, *profile_ids: int, commands: CustomerCommands | None = None) -> AnswerState:
    heard = datetime(2026, 1, day, tzinfo=UTC)
    ids = profile_ids or (7,)
    wires = {
        p: InboundProfileBase(RelayInboundProfileID=p, RelayCustomerID=3, ProfileName=f"p{p}")
        for p in ids
    }
    states = CustomerStates(inbound={p: ReportedState(LastHeartbeatDateTime=heard) for p in ids})
    return AnswerState(profiles=CustomerProfiles(inbound=wires), states=states, commands=commands)


def value(s: AnswerState) -> bytes:
    return _encoded(s)[1]


def previous(s: AnswerState) -> tuple[bytes, AnswerState]:
    raw = value(s)
    return raw, decode(raw)


def test_new_states_alone_are_decoded_and_the_rest_is_kept() -> None:
    old = previous(state(1))
    found = decode(value(state(2)), old)
    assert found == state(2)
    assert found.profiles is old[1].profiles  # not decoded again


def test_a_changed_rest_is_decoded_whole() -> None:
    old = previous(state(1))
    assert decode(value(state(2, commands=CustomerCommands(order_offset=4))), old) == state(
        2, commands=CustomerCommands(order_offset=4)
    )


def test_a_rest_that_shrank_to_a_prefix_of_the_old_is_decoded_whole() -> None:
    old = previous(state(1, 7, 8))
    assert decode(value(state(2, 7)), old) == state(2, 7)


def test_a_value_in_another_layout_is_decoded_whole() -> None:
    old = previous(state(1))
    other = orjson.dumps(orjson.loads(value(state(2))), option=orjson.OPT_SORT_KEYS)
    assert decode(other, old) == state(2)
