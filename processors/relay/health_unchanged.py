"""Whether a heartbeat can change a customer's health, judged without evaluating it.

Most heartbeats change nothing health shows: a profile `up` reports Started again,
its deadline moves later, and the stored next check (earlier, and still ahead) stays
(`processors.relay.customer_health`). Evaluating every profile to find that out was about a
sixth of the worker's CPU per heartbeat. A heartbeat is left unevaluated only when all
of these hold, so that the full evaluation would return the stored health unchanged:

- the customer's health is stored, with nothing waiting in its outbox;
- its next check is still ahead of the heartbeat (no deadline, window edge or command
  expiry has passed since it was evaluated);
- every profile's health, and its relay client's, is one a new heartbeat keeps: `up`,
  `error`, `stopped`, or `paused` (inactive, or in a maintenance window, whose end is a
  next check);
- every profile the heartbeat reported has a state before it, and the fields its
  health is judged by (status, error, error time, and the transaction time when an
  error time is set) are the same after it.

Anything else (a first heartbeat, a late or down profile heard again, a new status or
error) is evaluated in full. A property test holds the two equal.
"""

from datetime import datetime

from schemas.events import Health
from schemas.health import CustomerHealth
from schemas.profiles import CustomerStates, ReportedState

KEPT = frozenset({Health.up, Health.error, Health.stopped, Health.paused})


def unchanged(
    current: CustomerHealth | None, before: CustomerStates, after: CustomerStates, at: datetime
) -> bool:
    """True when evaluating the customer at `at` with `after` would change nothing."""
    if current is None or current.outbox or current.next_check is None:
        return False
    if at >= current.next_check:
        return False
    if current.client is not None and current.client.health not in KEPT:
        return False  # a late or down client heard again is up: a transition
    for profile in current.profiles.values():
        if profile.health not in KEPT:
            return False
    return _same_verdicts(before.inbound, after.inbound) and _same_verdicts(
        before.outbound, after.outbound
    )


def _same_verdicts(before: dict[int, ReportedState], after: dict[int, ReportedState]) -> bool:
    if before.keys() != after.keys():
        return False
    return all(_judged_alike(before[pid], state) for pid, state in after.items())


def _judged_alike(old: ReportedState, new: ReportedState) -> bool:
    if old is new:
        return True
    if (old.ServerStatus, old.LastError, old.LastErrorDateTime) != (
        new.ServerStatus,
        new.LastError,
        new.LastErrorDateTime,
    ):
        return False
    return new.LastErrorDateTime is None or (
        old.LastTransactionDateTime == new.LastTransactionDateTime
    )
