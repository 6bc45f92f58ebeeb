"""The JSON answer written straight away is byte for byte the codec's dump of the model."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from processors.relay.answer import build
from processors.relay.answer_json import build_json
from processors.relay.answer_parts import NO_ORDERS, Orders
from processors.relay.config import upsert_into
from processors.relay.reported import apply_heartbeat
from schemas import codec_json
from schemas.enums import ProfileType, ServerStatus
from schemas.netdatetime import NetDateTime
from schemas.profiles import CustomerProfiles, CustomerStates, InboundConfig, OutboundConfig
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData
from schemas.topics import ProfileUpserted

T0 = datetime(2026, 1, 1, 12, 30, 5, 123456, tzinfo=UTC)
EASTERN = timezone(-timedelta(hours=5))


def _profiles() -> CustomerProfiles:
    result = CustomerProfiles()
    configs = (
        InboundConfig(
            wire=InboundProfileBase(
                RelayInboundProfileID=3, Active=True, ProfileName='lab \u00e9"q"', ReceivePort=2575
            )
        ),
        InboundConfig(wire=InboundProfileBase(RelayInboundProfileID=1, ClientActionRequest=2)),
        OutboundConfig(wire=OutboundProfileBase(RelayOutboundProfileID=5, RelayIPAddress="::1")),
    )
    for cfg in configs:
        upsert_into(result, ProfileUpserted(client_id="c", profile=cfg))
    return result


def _items() -> list[ProfileHeartbeatData]:
    ticked = NetDateTime(2025, 12, 31, 23, 59, 59, 999999, EASTERN, tick=7)
    return [
        ProfileHeartbeatData(
            ProfileId=3,
            ProfileType=ProfileType.Inbound,
            ServerStatus=ServerStatus.Started,
            LastTransactionId="tx",
            LastTransactionDateTime=ticked,
        ),
        ProfileHeartbeatData(
            ProfileId=5, ProfileType=ProfileType.Outbound, ServerStatus=ServerStatus.Error
        ),
        ProfileHeartbeatData(
            ProfileId=9, ProfileType=ProfileType.Outbound, ServerStatus=ServerStatus.Stopped
        ),
    ]


ORDERS = Orders(pending={"inbound/3": 3, "outbound/5": 1}, desired={"inbound/1": 2})


@pytest.mark.parametrize("orders", [NO_ORDERS, ORDERS])
@pytest.mark.parametrize("heard", [False, True])
def test_the_bytes_are_the_codecs_dump_of_the_model(orders: Orders, heard: bool) -> None:
    profiles, items = _profiles(), _items()
    states = apply_heartbeat(CustomerStates(), profiles, items, T0) if heard else CustomerStates()
    expected = codec_json.encode_response(build(profiles, states, items, orders))
    assert build_json(profiles, states, items, orders) == expected


def test_no_profile_at_all() -> None:
    expected = codec_json.encode_response(build(CustomerProfiles(), CustomerStates(), []))
    assert build_json(CustomerProfiles(), CustomerStates(), [], NO_ORDERS) == expected


def test_a_new_configuration_object_is_written_with_its_own_values() -> None:
    first = _profiles()
    build_json(first, CustomerStates(), [], NO_ORDERS)  # caches its configurations
    second = _profiles()
    upsert_into(
        second,
        ProfileUpserted(
            client_id="c",
            profile=InboundConfig(wire=InboundProfileBase(RelayInboundProfileID=3, ReceivePort=9)),
        ),
    )
    written = codec_json.loads(build_json(second, CustomerStates(), [], NO_ORDERS))
    assert written["InboundProfileList"][1]["ReceivePort"] == 9
