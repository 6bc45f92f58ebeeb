"""What an answer to a client's relay heartbeat needs: the responder's replica value.

The owning worker publishes one `AnswerState` per client to the compacted `answers`
topic whenever something an answer shows changes (`processors.relay.answer_state`); every
ingress holds the topic in memory (`ingest.replica`) and answers heartbeats from it,
without a call to any worker. A customer with no record (or a tombstone) is unknown.
"""

from pydantic import BaseModel, Field

from schemas.access import CustomerAccess
from schemas.commands import CustomerCommands
from schemas.profiles import CustomerProfiles, CustomerStates

# The workers write the reported states as a value's last member, after this prefix
# (processors.relay.answer_state); the ingress decodes only them when the rest is unchanged.
STATES_MEMBER = b',"states":'


class AnswerState(BaseModel):
    """A client's profiles, their last reported state, its relay access and open orders."""

    profiles: CustomerProfiles = Field(default_factory=CustomerProfiles)
    states: CustomerStates = Field(
        default_factory=CustomerStates,
        description="as folded when published; a heartbeat's own entries override it",
    )
    access: CustomerAccess | None = None
    commands: CustomerCommands | None = Field(
        default=None, description="queued commands, desired states, offsets folded; None if none"
    )


def open_orders(cc: CustomerCommands) -> CustomerCommands:
    """Only what an answer can carry or a heartbeat can settle (queues and their commands),
    and the offsets of the last order and heartbeat folded into them."""
    queued = {c for q in cc.queues.values() for c in q}
    return CustomerCommands(
        desired=cc.desired,
        queues={k: q for k, q in cc.queues.items() if q},
        commands={c: r for c, r in cc.commands.items() if c in queued},
        heartbeat_offset=cc.heartbeat_offset,
        order_offset=cc.order_offset,
    )
