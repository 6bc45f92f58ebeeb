"""Keep each customer's health current: after every change, and on each sweep."""

from datetime import datetime

from processors.app import Hub
from processors.relay import blind, customer_health, outbox
from schemas.alert_channels import CustomerChannels
from schemas.events import Health
from schemas.health import CustomerHealth
from schemas.profiles import CustomerStates

_NO_STATES = CustomerStates()


async def refresh(hub: Hub, cid: str, now: datetime, *, quiet_new: bool = False) -> None:
    """Re-evaluate the customer's profiles at `now`; publish the transitions.

    With `quiet_new` (a bulk import), a customer never evaluated before and never
    heard from, with nothing due (its profiles `new`, or `paused` as inactive), stores
    nothing and publishes nothing: that health is what every view computes for it
    anyway, no deadline exists before a first heartbeat, and a million transitions into
    the state every imported profile starts in would only be work for the sinks. Its
    first transitions are those of its first heartbeat (from none).
    """
    customer = hub.customers.get(cid)
    profiles = hub.profiles.get(cid)
    if customer is None or profiles is None:
        return
    current: CustomerHealth = hub.health.get(cid) or CustomerHealth()
    ctx = (customer, profiles, hub.reported.get(cid) or _NO_STATES, hub.commands.get(cid))
    updated = customer_health.refresh(current, cid, ctx, now, blind.periods(hub, cid))
    if quiet_new and _untouched(current, updated):
        return
    if updated is not current and len(updated.outbox) > len(current.outbox):
        updated = _addressed(hub, cid, customer.Name, updated, len(current.outbox))
    if updated is not current or current.outbox:
        await outbox.save(hub.health, hub.health_events, cid, updated, hub.in_flight)


def _addressed(
    hub: Hub, cid: str, name: str, updated: CustomerHealth, known: int
) -> CustomerHealth:
    """The new transitions (past the first `known` of the outbox) with the customer's
    name and alert channels as they are now: the sinks alert from the event alone."""
    found: CustomerChannels | None = hub.channels.get(cid)
    channels = list(found.channels.values()) if found is not None else []
    fresh = [
        e.model_copy(update={"customer_name": name, "channels": channels})
        for e in updated.outbox[known:]
    ]
    return updated.model_copy(update={"outbox": [*updated.outbox[:known], *fresh]})


def _untouched(current: CustomerHealth, updated: CustomerHealth) -> bool:
    """Whether a customer never stored before is only `new` or `paused`, nothing due."""
    if current.profiles or current.outbox or updated.next_check is not None:
        return False
    return all(p.health in (Health.new, Health.paused) for p in updated.profiles.values())
