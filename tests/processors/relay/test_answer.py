"""Building the heartbeat answer from a customer's tables."""

from datetime import UTC, datetime

from processors.relay.answer import build
from processors.relay.config import delete_profile, upsert_into
from processors.relay.reported import apply_heartbeat
from schemas.enums import ProfileType, ResponseStatus, ServerStatus
from schemas.profiles import CustomerProfiles, CustomerStates, InboundConfig, OutboundConfig
from schemas.relay import InboundProfileBase, OutboundProfileBase, ProfileHeartbeatData
from schemas.topics import ProfileDeleted, ProfileUpserted

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def profiles() -> CustomerProfiles:
    """Two inbound profiles (one inactive) and one outbound, configured by events."""
    result = CustomerProfiles()
    for cfg in (
        InboundConfig(wire=InboundProfileBase(RelayInboundProfileID=3, Active=True)),
        InboundConfig(wire=InboundProfileBase(RelayInboundProfileID=1, Active=False)),
        OutboundConfig(wire=OutboundProfileBase(RelayOutboundProfileID=5, ProfileName="o")),
    ):
        upsert_into(result, ProfileUpserted(client_id="c", profile=cfg))
    return result


def test_answer_lists_every_profile_by_id_inactive_included() -> None:
    answer = build(profiles(), CustomerStates(), [])
    assert answer.ResponseStatus is ResponseStatus.Success
    assert answer.InboundProfileList is not None
    assert answer.OutboundProfileList is not None
    assert [(p.RelayInboundProfileID, p.Active) for p in answer.InboundProfileList] == [
        (1, False),
        (3, True),
    ]
    assert answer.OutboundProfileList[0].ProfileName == "o"
    assert answer.OutboundProfileList[0].ServerStatus == 0


def test_answer_reflects_reported_state() -> None:
    items = [
        ProfileHeartbeatData(
            ProfileId=3, ProfileType=ProfileType.Inbound, ServerStatus=ServerStatus.Error
        )
    ]
    states = apply_heartbeat(CustomerStates(), profiles(), items, T0)
    answer = build(profiles(), states, items)
    assert answer.InboundProfileList is not None
    started = answer.InboundProfileList[1]
    assert (started.ServerStatus, started.LastHeartbeatDateTime) == (6, T0)


def test_unknown_entries_are_named_in_the_log_message() -> None:
    items = [
        ProfileHeartbeatData(
            ProfileId=42, ProfileType=ProfileType.Outbound, ServerStatus=ServerStatus.Started
        )
    ]
    answer = build(profiles(), CustomerStates(), items)
    assert answer.LogMessage == "Heartbeat accepted. Not configured, ignored: Outbound 42."


def test_deleted_profiles_are_not_listed() -> None:
    event = ProfileDeleted(client_id="c", profile_type=ProfileType.Inbound, profile_id=3)
    answer = build(delete_profile(profiles(), event), CustomerStates(), [])
    assert answer.InboundProfileList is not None
    assert [p.RelayInboundProfileID for p in answer.InboundProfileList] == [1]
