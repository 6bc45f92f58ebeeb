"""Keep each customer's health current: after every change, and on each sweep."""

from datetime import datetime

from processors import customer_health, outbox
from processors.app import Hub
from schemas.health import CustomerHealth
from schemas.profiles import CustomerStates

_NO_STATES = CustomerStates()


async def refresh(hub: Hub, cid: str, now: datetime) -> None:
    """Re-evaluate the customer's profiles at `now`; publish the transitions."""
    customer = hub.customers.get(cid)
    profiles = hub.profiles.get(cid)
    if customer is None or profiles is None:
        return
    current: CustomerHealth = hub.health.get(cid) or CustomerHealth()
    ctx = (customer, profiles, hub.states.get(cid) or _NO_STATES, hub.commands.get(cid))
    updated = customer_health.refresh(current, cid, ctx, now)
    if updated is not current or current.outbox:
        await outbox.save(hub.health, hub.health_events, cid, updated, hub.in_flight)
