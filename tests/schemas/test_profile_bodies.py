"""The admin API's profile bodies, split into the configuration and the timing overrides."""

from schemas.profiles import InboundProfileBody, OutboundProfileBody
from schemas.relay import InboundProfileBase, OutboundProfileBase


def test_timing_not_given_stays_unset_so_the_customers_applies() -> None:
    wire, timing = InboundProfileBody.model_validate({"ProfileName": "lab"}).split()
    assert type(wire) is InboundProfileBase
    assert wire.ProfileName == "lab"
    assert timing.model_fields_set == set()


def test_timing_given_is_kept_apart_from_the_configuration() -> None:
    body = {"ProfileName": "out", "GracePeriodSeconds": 5}
    wire, timing = OutboundProfileBody.model_validate(body).split()
    assert type(wire) is OutboundProfileBase
    assert "GracePeriodSeconds" not in wire.model_dump()
    assert timing.model_fields_set == {"GracePeriodSeconds"}
    assert timing.GracePeriodSeconds == 5


def test_the_state_members_of_an_answer_are_dropped() -> None:
    body = {"ReceivePort": 2575, "ServerStatus": 1, "PendingHeartbeatCommand": 3}
    wire, _ = InboundProfileBody.model_validate(body).split()
    assert wire.model_dump() == InboundProfileBase(ReceivePort=2575).model_dump()
