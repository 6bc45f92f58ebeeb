"""A PBX's health, judged at a moment from its sessions: for the customer's health view.

- `down`: no session is alive (no application server follows the PBX).
- `error`: a live session's head event failed FAILING_AFTER times in a row.
- `up`: otherwise.

A connected PBX (an upstream connection) is also judged by that connection: `down`
while it is down, `error` while its credentials are rejected or the PBX locked the
hub out, `late` while degraded; the worse of the two judgements is the PBX's.
"""

from datetime import datetime

from processors.app import Hub
from processors.pbx.fold import customer_pbx_ids, pbx_key
from schemas.events import Health
from schemas.health import SEVERITY, PbxHealthView
from schemas.pbx import PbxRecord
from schemas.pbx_upstream import ConnectionState, Upstream

FAILING_AFTER = 3
UPSTREAM_HEALTH = {
    ConnectionState.connecting: Health.new,
    ConnectionState.connected: Health.up,
    ConnectionState.degraded: Health.late,
    ConnectionState.down: Health.down,
    ConnectionState.credentials_rejected: Health.error,
    ConnectionState.locked: Health.error,
    ConnectionState.disconnecting: Health.up,
}


def pbx_health(
    pbx_id: str, rec: PbxRecord, now: datetime, up: Upstream | None = None
) -> PbxHealthView:
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
    if up is not None and not up.removed:
        judged = UPSTREAM_HEALTH[up.state]
        if SEVERITY[judged] > SEVERITY[health]:
            health, reason = judged, f"upstream {up.state.value}: {up.reason}"
    return PbxHealthView(
        id=pbx_id,
        health=health,
        reason=reason,
        live_sessions=len(live),
        pending_events=pending,
        upstream=up.state.value if up is not None and not up.removed else None,
    )


def customer_pbxes(hub: Hub, client_id: str, now: datetime) -> list[PbxHealthView]:
    """Every PBX of the customer, by id."""
    return [
        pbx_health(pid, rec, now, hub.pbx_upstreams.get(key))
        for pid in customer_pbx_ids(hub.pbxes.keys(), client_id)
        if (rec := hub.pbxes.get(key := pbx_key(client_id, pid))) is not None
    ]
