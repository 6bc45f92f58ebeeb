"""When a table's value next needs the sweep: the `wake` functions of the due indexes.

Each gives the earliest time the sweep may have something to do for the value (a
time in the past means now), or None when only a new write can make it due. They
mirror the sweep's own tests (`commands.has_due`, health's `next_check`, the PBX
sweep and the delivery and upstream kicks), so nothing due is left out; an early wake only
costs one look.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from schemas.commands import CustomerCommands
from schemas.events import FINAL_COMMAND_STATES
from schemas.health import CustomerHealth
from schemas.pbx import Lockout, PbxRecord, Session
from schemas.pbx_upstream import ConnectionState, Upstream

NOW = datetime(1970, 1, 1, tzinfo=UTC)
"""A wake time that is always past: look at the next tick."""


def earliest(times: Iterable[datetime | None]) -> datetime | None:
    """The earliest of the times given, None when there is none."""
    return min((t for t in times if t is not None), default=None)


def commands(cc: CustomerCommands, retention: timedelta) -> datetime | None:
    """An unfinished command's expiry, a finished one's end of retention, or an outbox."""
    if cc.outbox:
        return NOW
    times: list[datetime | None] = []
    for rec in cc.commands.values():
        if rec.state in FINAL_COMMAND_STATES:
            times.append(rec.history[-1].at + retention)
        else:
            times.append(rec.expires_at)
    return earliest(times)


def health(h: CustomerHealth) -> datetime | None:
    """The customer's next deadline, or now while health events wait to be published."""
    return NOW if h.outbox else h.next_check


def pbx(rec: PbxRecord, retention: timedelta) -> datetime | None:
    """A live session's expiry or due delivery, or an ended one's end of retention."""
    return earliest(_session(s, retention) for s in rec.sessions.values())


def _session(s: Session, retention: timedelta) -> datetime | None:
    if s.ended_at is not None or s.end_reason is not None:
        return None if s.ended_at is None else s.ended_at + retention
    if s.queue:
        return earliest((s.expires_at, s.next_attempt_at or NOW))
    return s.expires_at


def lockout(lock: Lockout, lock_for: timedelta) -> datetime | None:
    """When a lock ends, or failures in a row are forgotten."""
    if lock.locked_until is not None:
        return lock.locked_until
    return NOW if lock.last_failure is None else lock.last_failure + lock_for


def upstream(up: Upstream) -> datetime | None:
    """The next call an upstream connection needs (see upstream_connector.due)."""
    if up.removed:
        return NOW if (up.replaced or up.sealed_token) else None
    if up.replaced:
        return NOW
    if up.state is ConnectionState.credentials_rejected:
        return None
    gate = max(t for t in (up.locked_until, up.next_attempt_at, NOW) if t is not None)
    if up.sealed_token is None or up.token_expires_at is None:
        return gate
    last = up.last_heartbeat_at or up.last_login_at
    beat = None if last is None else last + timedelta(seconds=up.config.interval_s)
    return max(gate, earliest((up.token_expires_at, beat)) or gate)
