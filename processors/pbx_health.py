"""A PBX's health, judged at a moment from its sessions: for the customer's health view.

- `down`: no session is alive (no application server follows the PBX).
- `error`: a live session's head event failed FAILING_AFTER times in a row.
- `up`: otherwise.
"""

from datetime import datetime

from processors.app import Hub
from schemas.events import Health
from schemas.health import PbxHealthView
from schemas.pbx import PbxRecord

FAILING_AFTER = 3


def pbx_health(pbx_id: str, rec: PbxRecord, now: datetime) -> PbxHealthView:
    """The PBX's health at `now`."""
    live = [s for s in rec.sessions.values() if s.end_reason is None and now < s.expires_at]
    pending = sum(len(s.queue) for s in live)
    failing = [s for s in live if s.failures >= FAILING_AFTER]
    if not live:
        health, reason = Health.down, "no live session"
    elif failing:
        health = Health.error
        reason = f"deliveries failing for {len(failing)} of {len(live)} sessions"
    else:
        health, reason = Health.up, f"{len(live)} live sessions"
    return PbxHealthView(
        id=pbx_id, health=health, reason=reason, live_sessions=len(live), pending_events=pending
    )


def customer_pbxes(hub: Hub, client_id: str, now: datetime) -> list[PbxHealthView]:
    """Every PBX of the customer, by id."""
    prefix = f"{client_id}/"
    found = [(k[len(prefix) :], v) for k, v in hub.pbxes.items() if k.startswith(prefix)]
    return [pbx_health(pid, rec, now) for pid, rec in sorted(found, key=lambda kv: kv[0])]
