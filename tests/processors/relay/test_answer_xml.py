"""The XML answer written from configuration templates is byte for byte the codec's."""

import pytest

from processors.relay.answer import Answer, build
from processors.relay.answer_parts import NO_ORDERS, Orders
from processors.relay.config import upsert_into
from processors.relay.reported import apply_heartbeat
from schemas import codec_xml
from schemas.profiles import CustomerProfiles, CustomerStates, InboundConfig
from schemas.relay import InboundProfileBase
from schemas.topics import ProfileUpserted
from tests.processors.relay.test_answer_json import ORDERS, T0, _items, _profiles


def _answer(profiles: CustomerProfiles, heard: bool, orders: Orders) -> Answer:
    items = _items()
    states = apply_heartbeat(CustomerStates(), profiles, items, T0) if heard else CustomerStates()
    return Answer(profiles, states, items, orders, [])


@pytest.mark.parametrize("orders", [NO_ORDERS, ORDERS])
@pytest.mark.parametrize("heard", [False, True])
def test_the_bytes_are_the_codecs_encoding_of_the_model(orders: Orders, heard: bool) -> None:
    answer = _answer(_profiles(), heard, orders)
    expected = codec_xml.encode_response(
        build(answer.profiles, answer.states, answer.items, orders)
    )
    assert answer.xml() == expected
    assert answer.xml() == expected  # again, from the templates made the first time


def test_no_profile_at_all_and_characters_xml_must_escape() -> None:
    empty = Answer(CustomerProfiles(), CustomerStates(), [], NO_ORDERS, [])
    assert empty.xml() == codec_xml.encode_response(build(CustomerProfiles(), CustomerStates(), []))
    odd = CustomerProfiles()
    wire = InboundProfileBase(RelayInboundProfileID=2, ProfileName="a<b>&\r\x01c", Active=True)
    upsert_into(odd, ProfileUpserted(client_id="c", profile=InboundConfig(wire=wire)))
    answer = _answer(odd, True, NO_ORDERS)
    model = build(answer.profiles, answer.states, answer.items, NO_ORDERS)
    assert answer.xml() == codec_xml.encode_response(model)


def test_a_new_configuration_object_is_written_with_its_own_values() -> None:
    _answer(_profiles(), False, NO_ORDERS).xml()  # makes templates of its configurations
    second = _profiles()
    changed = InboundConfig(wire=InboundProfileBase(RelayInboundProfileID=3, ReceivePort=9))
    upsert_into(second, ProfileUpserted(client_id="c", profile=changed))
    written = codec_xml.decode_response(_answer(second, False, NO_ORDERS).xml())
    assert written.InboundProfileList is not None
    assert written.InboundProfileList[1].ReceivePort == 9
