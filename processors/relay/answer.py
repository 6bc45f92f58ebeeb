"""Build the heartbeat answer (`ProfileListResponseData`) from a customer's tables."""

from dataclasses import dataclass
from datetime import datetime

from processors.relay import commands, reported
from processors.relay.answer_json import build_json
from processors.relay.answer_parts import NO_ORDERS, Orders, message_for
from schemas import codec_xml
from schemas.answer_state import AnswerState
from schemas.commands import COMMAND_BYTES, CustomerCommands
from schemas.enums import ResponseStatus
from schemas.profiles import CustomerProfiles, CustomerStates, ReportedState
from schemas.relay import (
    InboundProfileBase,
    OutboundProfileBase,
    ProfileHeartbeatData,
    ProfileListResponseData,
    RelayInboundProfile,
    RelayOutboundProfile,
)

_NONE = ReportedState()


def _state_fields(state: ReportedState | None, key: str, orders: Orders) -> dict[str, object]:
    s = state or _NONE
    return {
        "ClientActionRequest": orders.desired.get(key, 0),
        "ServerStatus": int(s.ServerStatus or 0),
        "LastTransactionDateTime": s.LastTransactionDateTime,
        "PendingHeartbeatCommand": orders.pending.get(key, 0),
        "LastHeartbeatDateTime": s.LastHeartbeatDateTime,
    }


def inbound(
    cfg: InboundProfileBase, state: ReportedState | None, orders: Orders = NO_ORDERS
) -> RelayInboundProfile:
    """One inbound profile as the client receives it."""
    fields = _state_fields(state, f"inbound/{cfg.RelayInboundProfileID}", orders)
    # Both parts are validated models already; construct skips validating them again.
    return RelayInboundProfile.model_construct(**{**dict(cfg), **fields})


def outbound(
    cfg: OutboundProfileBase, state: ReportedState | None, orders: Orders = NO_ORDERS
) -> RelayOutboundProfile:
    """One outbound profile as the client receives it."""
    fields = _state_fields(state, f"outbound/{cfg.RelayOutboundProfileID}", orders)
    return RelayOutboundProfile.model_construct(**{**dict(cfg), **fields})


def build(
    profiles: CustomerProfiles,
    states: CustomerStates,
    items: list[ProfileHeartbeatData],
    orders: Orders = NO_ORDERS,
) -> ProfileListResponseData:
    """The answer: every configured profile, inactive ones included, ordered by id."""
    message = message_for(profiles, items)
    return ProfileListResponseData(
        InboundProfileList=[
            inbound(cfg, states.inbound.get(pid), orders)
            for pid, cfg in sorted(profiles.inbound.items())
        ],
        OutboundProfileList=[
            outbound(cfg, states.outbound.get(pid), orders)
            for pid, cfg in sorted(profiles.outbound.items())
        ],
        ResponseStatus=ResponseStatus.Success,
        LogMessage=message,
    )


@dataclass(frozen=True, slots=True)
class Answer:
    """What the answer is made of, the ids of the commands it carries, and the orders it
    leaves; `json()` and `xml()` write it straight away, as the codecs write the model
    `build` makes.

    `orders_after` is what the fold of this heartbeat will make of the orders (settled,
    expired, deliveries counted); None when there were none to change.
    """

    profiles: CustomerProfiles
    states: CustomerStates
    items: list[ProfileHeartbeatData]
    orders: Orders
    delivered_commands: list[str]
    orders_after: CustomerCommands | None = None

    def json(self) -> bytes:
        """The answer's JSON bytes, as the JSON codec writes the model."""
        return build_json(self.profiles, self.states, self.items, self.orders)

    def xml(self) -> bytes:
        """The answer's XML bytes, as the XML codec writes the model (`encode_answer`:
        each configuration's lines made once per configuration object)."""
        profiles, states, orders = self.profiles, self.states, self.orders
        return codec_xml.encode_answer(
            [
                (cfg, _state_fields(states.inbound.get(pid), f"inbound/{pid}", orders))
                for pid, cfg in sorted(profiles.inbound.items())
            ],
            [
                (cfg, _state_fields(states.outbound.get(pid), f"outbound/{pid}", orders))
                for pid, cfg in sorted(profiles.outbound.items())
            ],
            ResponseStatus.Success,
            message_for(profiles, self.items),
        )


def for_heartbeat(
    state: AnswerState,
    client_id: str,
    items: list[ProfileHeartbeatData],
    received_at: datetime,
    orders: CustomerCommands | None,
) -> Answer:
    """The answer as it will be once this heartbeat is folded.

    The heartbeat's own entries come from the heartbeat; a configured profile it does
    not carry shows the state last published. The orders (`orders`: the published
    ones, or newer ones this process knows) are those the heartbeat leaves: an
    acknowledged command is no longer carried, an expired one neither.
    """
    profiles = state.profiles
    after = reported.apply_heartbeat(state.states, profiles, items, received_at)
    if orders is None or (commands.is_idle(orders) and not commands.has_due(orders, received_at)):
        return Answer(profiles, after, items, NO_ORDERS, [])
    settled = commands.on_heartbeat(orders, client_id, items, received_at)
    wanted, carried = _orders(settled, profiles)
    left = commands.record_deliveries(settled, client_id, carried, received_at)
    return Answer(profiles, after, items, wanted, carried, left)


def _orders(cc: CustomerCommands, profiles: CustomerProfiles) -> tuple[Orders, list[str]]:
    """What each configured profile's answer carries, and the ids of the commands in it."""
    configured = {f"inbound/{p}" for p in profiles.inbound}
    configured |= {f"outbound/{p}" for p in profiles.outbound}
    heads = {k: r for k, r in commands.heads(cc).items() if k in configured}
    pending = {k: int(COMMAND_BYTES[r.command]) for k, r in heads.items()}
    desired = {k: int(d.pending) for k, d in cc.desired.items() if d.pending and k in configured}
    return Orders(pending=pending, desired=desired), [r.id for r in heads.values()]
